#!/usr/bin/env bash
# Logs the Pulumi CLI in to the state backend this repository is set up for and selects the stack.
#   PULUMI_BACKEND_URL set (variable)   a self-managed backend (s3://, azblob://, gs://); the stack's own secrets
#                                       provider decrypts its secrets: awskms:// through the AWS role, passphrase through
#                                       the PULUMI_CONFIG_PASSPHRASE secret
#   otherwise PULUMI_ACCESS_TOKEN set   Pulumi Cloud
# Neither set (a fork, a Dependabot pull request, a repository not set up yet) stops with one line saying what to set.
# Usage: pulumi-login.sh STACK   (from the repository root)
set -euo pipefail
stack=${1:?usage: pulumi-login.sh STACK}

if [ -n "${PULUMI_BACKEND_URL:-}" ]; then
  # A stack file with an encryption salt uses the passphrase provider: without the passphrase every command that reads
  # its config would fail later with a less helpful message.
  if grep -q '^encryptionsalt:' "Pulumi.$stack.yaml" 2>/dev/null && [ -z "${PULUMI_CONFIG_PASSPHRASE:-}" ]; then
    echo "::error title=No passphrase::Pulumi.$stack.yaml uses the passphrase secrets provider; set the secret PULUMI_CONFIG_PASSPHRASE (or move the stack to awskms:// with pulumi stack change-secrets-provider)." >&2
    exit 1
  fi
  # Only the scheme is printed: bucket names need not be in public logs.
  echo "State backend: self-managed (${PULUMI_BACKEND_URL%%://*})"
  pulumi login --non-interactive "$PULUMI_BACKEND_URL"
elif [ -n "${PULUMI_ACCESS_TOKEN:-}" ]; then
  echo "State backend: Pulumi Cloud"
  pulumi login --non-interactive
else
  echo "::error title=No Pulumi state backend::Set the secret PULUMI_ACCESS_TOKEN (Pulumi Cloud) or the variable PULUMI_BACKEND_URL (a self-managed backend such as s3://bucket); see the README, GitHub workflows." >&2
  exit 1
fi

if ! pulumi stack select --non-interactive "$stack"; then
  echo "::error title=Stack not found::The stack $stack does not exist in this backend; create it once with: pulumi stack init $stack (README, Infrastructure)." >&2
  exit 1
fi
