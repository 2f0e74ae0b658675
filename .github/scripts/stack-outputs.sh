#!/usr/bin/env bash
# Writes a stack's outputs to the job summary as a table and the ones later steps use to $GITHUB_OUTPUT:
# app-url, health-url, image and image-digest. Secret outputs (the EKS kubeconfig) stay masked: the CLI prints
# "[secret]" for them unless asked with --show-secrets, which this never does.
# Usage: stack-outputs.sh STACK
set -euo pipefail
stack=${1:?usage: stack-outputs.sh STACK}
outputs=$(pulumi stack output --stack "$stack" --json)

{
  echo "### Stack \`$stack\`"
  echo
  echo "| Output | Value |"
  echo "| --- | --- |"
  jq -r 'to_entries[] | "| `\(.key)` | \(.value | if type == "string" then . else tojson end | gsub("\\|"; "\\|") | gsub("\n"; " ")) |"' <<<"$outputs"
} >>"${GITHUB_STEP_SUMMARY:-/dev/stdout}"

value() { jq -r --arg key "$1" '.[$key] // "" | if type == "string" then . else tojson end' <<<"$outputs"; }
image=$(value image)
digest=""
if [[ $image == *@sha256:* ]]; then
  digest=${image##*@}
fi
{
  echo "app-url=$(value appUrl)"
  echo "health-url=$(value healthUrl)"
  echo "image=$image"
  echo "image-digest=$digest"
} >>"${GITHUB_OUTPUT:-/dev/stdout}"
