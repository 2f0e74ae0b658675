#!/usr/bin/env bash
# Runs `pulumi preview --diff` for one stack and keeps what the pull-request comment is made of:
#   OUTDIR/output.txt    the preview as the CLI printed it (Pulumi masks secret values as [secret])
#   OUTDIR/result.json   {"stack", "status": "ok" | "failed", "changes": the "Resources:" summary on one line}
# Exits with the CLI's status, so a preview that fails fails the job.
# Usage: pulumi-preview.sh STACK OUTDIR
set -uo pipefail
stack=${1:?usage: pulumi-preview.sh STACK OUTDIR}
out=${2:?usage: pulumi-preview.sh STACK OUTDIR}
mkdir -p "$out"

pulumi preview --stack "$stack" --diff --non-interactive --suppress-progress --color never 2>&1 | tee "$out/output.txt"
status=${PIPESTATUS[0]}

# "Resources:" followed by indented lines ("+ 3 to create", "12 unchanged") up to the first blank line.
changes=$(awk '
  /^Resources:/ { inside = 1; next }
  inside && /^[[:space:]]*$/ { exit }
  inside { sub(/^[[:space:]]+/, ""); line = line (line == "" ? "" : ", ") $0 }
  END { print line }' "$out/output.txt")

result=ok
[ "$status" -eq 0 ] || result=failed
jq -n --arg stack "$stack" --arg status "$result" --arg changes "$changes" '{stack: $stack, status: $status, changes: $changes}' \
  >"$out/result.json"
exit "$status"
