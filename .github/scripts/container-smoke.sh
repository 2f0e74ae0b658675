#!/usr/bin/env bash
# Starts an image the way app/compose.yaml runs it (read-only root, /tmp as tmpfs, no capabilities) and waits until
# its own HEALTHCHECK reports healthy; prints the container's log and fails if it turns unhealthy, exits, or is not
# healthy in time. The container is removed either way.
# Usage: container-smoke.sh IMAGE [TIMEOUT_SECONDS=180]
set -uo pipefail
image=${1:?usage: container-smoke.sh IMAGE [TIMEOUT_SECONDS]}
timeout=${2:-180}

if [ -z "$(docker image inspect --format '{{if .Config.Healthcheck}}{{.Config.Healthcheck.Test}}{{end}}' "$image")" ]; then
  echo "::error title=No health check::$image declares no HEALTHCHECK" >&2
  exit 1
fi

id=$(docker run --detach --read-only --tmpfs /tmp --cap-drop ALL --security-opt no-new-privileges:true "$image") || exit 1
trap 'docker rm --force "$id" >/dev/null' EXIT

deadline=$((SECONDS + timeout))
while :; do
  state=$(docker inspect --format '{{.State.Status}} {{.State.Health.Status}}' "$id")
  case $state in
    "running healthy")
      echo "$image is healthy after $((SECONDS - deadline + timeout))s"
      exit 0
      ;;
    "running unhealthy" | exited* | dead*)
      break
      ;;
  esac
  ((SECONDS < deadline)) || break
  sleep 2
done

echo "::error title=Container not healthy::$image is '$state' after $((SECONDS - deadline + timeout))s; its log follows." >&2
docker logs "$id" >&2
docker inspect --format '{{json .State.Health}}' "$id" >&2
exit 1
