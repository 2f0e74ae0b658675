#!/usr/bin/env bash
# Prints the AWS region of a stack, read from its committed stack file (Pulumi.<stack>.yaml, key aws:region), and writes
# it to $GITHUB_OUTPUT as aws-region. Read from the file rather than with `pulumi config get` because the AWS
# credentials are needed before the Pulumi CLI can reach a state bucket or a KMS key, and they need the region first.
# Usage: stack-region.sh STACK   (from the repository root)
set -euo pipefail
stack=${1:?usage: stack-region.sh STACK}
file="Pulumi.$stack.yaml"

if [ ! -f "$file" ]; then
  echo "::error title=Unknown stack::$file does not exist; each stack a workflow deploys needs its committed stack file." >&2
  exit 1
fi

# The key as `pulumi config set aws:region ...` writes it: two spaces under config:, an optional quote pair.
region=$(sed -n -E "s/^  aws:region:[[:space:]]*['\"]?([a-z0-9-]+)['\"]?[[:space:]]*$/\1/p" "$file" | head -n 1)
if [ -z "$region" ]; then
  echo "::error title=No AWS region::$file has no aws:region; set it with: pulumi config set aws:region <region> --stack $stack" >&2
  exit 1
fi

echo "$region"
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  echo "aws-region=$region" >>"$GITHUB_OUTPUT"
fi
