# Helpers for .ci/run. Everything started here is recorded by process id and stopped by that id in ci_cleanup.
CI_STARTED_PIDS=()

ci_log() { printf '\n== %s\n' "$*"; }

# Debian packages the tests use: a real browser for UI tests, server tools for benchmarks.
ci_install_packages() {
  local wanted=(chromium git curl) missing=()
  for package in "${wanted[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    ci_log "installing ${missing[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

ci_cleanup() {
  local pid
  for pid in "${CI_STARTED_PIDS[@]}"; do
    kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  done
}
