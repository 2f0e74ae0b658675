# Helpers for .ci/run. Everything started here is recorded by process id and stopped by that id in ci_cleanup.
CI_STARTED_PIDS=()

ci_log() { printf '\n== %s\n' "$*"; }

# Debian packages the tests use: a real browser for UI tests, server tools for benchmarks, and a static busybox from
# which the automation tests build their agent image (no registry is reachable).
ci_install_packages() {
  local wanted=(chromium git curl docker.io busybox-static) missing=()
  for package in "${wanted[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    ci_log "installing ${missing[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

# A Docker engine for the container tests, unless one already answers. Its process id is recorded for ci_cleanup.
ci_start_dockerd() {
  if docker info >/dev/null 2>&1; then
    return 0
  fi
  ci_log "starting dockerd"
  dockerd --host=unix:///var/run/docker.sock >"${TMPDIR:-/tmp}/ci-dockerd.log" 2>&1 &
  CI_STARTED_PIDS+=("$!")
  local i
  for i in $(seq 1 60); do
    docker info >/dev/null 2>&1 && return 0
    sleep 1
  done
  echo "dockerd did not start; its log:" >&2
  tail -n 40 "${TMPDIR:-/tmp}/ci-dockerd.log" >&2
  return 1
}

ci_cleanup() {
  local pid
  # Newest first: what was started last may depend on what was started before it.
  for ((i = ${#CI_STARTED_PIDS[@]} - 1; i >= 0; i--)); do
    pid=${CI_STARTED_PIDS[$i]}
    kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  done
}
