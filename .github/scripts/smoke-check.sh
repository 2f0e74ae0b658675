#!/usr/bin/env bash
# Waits until a URL answers with a 2xx status, polling, and fails when it has not within the timeout. After a deploy a
# new EC2 host needs minutes to boot and pull the image, and a new EKS load balancer to get a DNS name, so a single
# request would fail deploys that are fine.
# Usage: smoke-check.sh URL [TIMEOUT_SECONDS=600] [INTERVAL_SECONDS=10]
set -uo pipefail
url=${1:-}
timeout=${2:-600}
interval=${3:-10}

if [ -z "$url" ]; then
  echo "::error title=No health URL::the stack has no healthUrl output to check" >&2
  exit 1
fi

body=$(mktemp)
trap 'rm -f "$body"' EXIT
deadline=$((SECONDS + timeout))
attempt=0
while :; do
  attempt=$((attempt + 1))
  code=$(curl --silent --output "$body" --write-out '%{http_code}' --max-time 10 "$url") || true
  if [[ $code == 2[0-9][0-9] ]]; then
    echo "$url answered $code after $attempt attempt(s):"
    head -c 2000 "$body"
    echo
    exit 0
  fi
  echo "attempt $attempt: ${code/#000/no answer}"
  if ((SECONDS >= deadline)); then
    echo "::error title=Smoke check failed::$url did not answer with a 2xx status within ${timeout}s (last: ${code/#000/no answer})" >&2
    head -c 2000 "$body" >&2
    exit 1
  fi
  sleep "$interval"
done
