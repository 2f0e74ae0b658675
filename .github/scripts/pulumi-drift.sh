#!/usr/bin/env bash
# Checks one stack for drift: `pulumi refresh --preview-only` compares the state with what the cloud really has, and
# changes nothing. Writes what the drift report job needs:
#   OUTDIR/result.json   {"stack", "status": "clean" | "drift" | "error"}
#   OUTDIR/report.md     the issue text for a drifted stack; its first line is the marker that finds the issue again
# Exit status: 0 clean, 1 drift, 2 the check itself failed (credentials, backend, program).
# Usage: pulumi-drift.sh STACK OUTDIR   (RUN_URL and COMMIT_SHA from the environment)
set -uo pipefail
stack=${1:?usage: pulumi-drift.sh STACK OUTDIR}
out=${2:?usage: pulumi-drift.sh STACK OUTDIR}
mkdir -p "$out"

write_result() { jq -n --arg stack "$stack" --arg status "$1" '{stack: $stack, status: $status}' >"$out/result.json"; }

pulumi refresh --stack "$stack" --preview-only --json --non-interactive >"$out/refresh.json" 2>"$out/refresh.log"
status=$?
# Any operation other than "same" in the summary means a resource differs from its recorded state.
if [ "$status" -ne 0 ] || ! drifted=$(jq -e '[.changeSummary // {} | to_entries[] | select(.key != "same" and .value > 0)] | length' "$out/refresh.json" 2>/dev/null); then
  echo "::error title=Drift check failed::pulumi refresh --preview-only for $stack exited $status; its log follows." >&2
  cat "$out/refresh.log" >&2
  write_result error
  exit 2
fi

if [ "$drifted" -eq 0 ]; then
  echo "No drift in $stack."
  write_result clean
  exit 0
fi

{
  echo "<!-- spec-editor:drift:$stack -->"
  echo "Resources of the \`$stack\` stack no longer match the state Pulumi recorded: someone or something changed them outside"
  commit=${COMMIT_SHA:-unknown}
  echo "\`pulumi up\`. Found by \`pulumi refresh --preview-only\` in [this run](${RUN_URL:-}) on commit \`${commit:0:7}\`."
  echo
  echo "| Change | Type | Resource |"
  echo "| --- | --- | --- |"
  # URN: urn:pulumi:<stack>::<project>::<parent type$...$type>::<name>
  jq -r '.steps[]? | select(.op == "update" or .op == "delete") | .urn as $urn | ($urn | split("::")) as $p
    | "| \(.op) | `\($p[2] | split("$") | last)` | `\($p[3])` |"' "$out/refresh.json"
  echo
  echo "Summary: $(jq -r '[.changeSummary | to_entries[] | "\(.value) \(.key)"] | join(", ")' "$out/refresh.json")."
  echo
  echo "- See the differences: \`pulumi refresh --preview-only --diff --stack $stack\`"
  echo "- Put the resources back as the program declares them: \`pulumi up --stack $stack\`"
  echo "- Or keep the change: make the program declare it, then \`pulumi refresh --stack $stack\`"
  echo
  echo "This issue is updated by each drift check while the drift lasts, and closed by the first check that finds none."
} >"$out/report.md"
cat "$out/report.md"
echo "::error title=Drift in $stack::$drifted kind(s) of change found; see the job summary or the drift issue." >&2
write_result drift
exit 1
