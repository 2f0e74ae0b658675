#!/usr/bin/env bash
# TEST STAND-INS for the container images that app/Dockerfile and app/compose.yaml name but that this machine cannot pull
# (no container registry is reachable here). Users, and CI anywhere with registry access, pull the real images:
#   mcr.microsoft.com/dotnet/sdk:10.0-noble-aot, mcr.microsoft.com/dotnet/runtime-deps:10.0-noble-chiseled, hashicorp/http-echo.
# The stand-ins are tagged with those exact names so the tests build and run the UNMODIFIED Dockerfile and compose file.
#
#   sdk stand-in           a Debian minbase root filesystem (debootstrap) with the C toolchain Native AOT links with (gcc,
#                          libc6-dev, zlib1g-dev; the real -aot image has clang) + this machine's .NET installation
#                          (/usr/share/dotnet) + a NuGet packages folder (/root/.nuget/packages) seeded with exactly what the Dockerfile's
#                          `dotnet restore` needs, so the image builds offline (`docker build --network none`).
#   runtime-deps stand-in  what a chiseled runtime-deps image holds: the shared libraries of libc6, libgcc-s1, libstdc++6,
#                          libssl3 and zlib1g, the CA bundle, /tmp and the 'app' user (UID 1654). No shell, no package manager.
#   http-echo stand-in     busybox httpd answering with the -text argument, run the way compose.yaml runs hashicorp/http-echo.
#
# Idempotent: every image carries a label hashing what it was made from, and is rebuilt only when that changes (for the sdk
# stand-in: the app's package references, the restore command in the Dockerfile, the .NET SDK version). A real image already
# present under one of these names is kept and used: stand-ins never replace it.
# Needs root (debootstrap), docker, dotnet, debootstrap and busybox-static.   Usage: bash .ci/container-images.sh
set -euo pipefail
cd "$(dirname "$0")/.."

cache=${SPEC_EDITOR_CI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/spec-editor-ci}
suite=bookworm
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
hash_label=dev.spec-editor.stand-in.hash
runtime_packages=(libc6 libgcc-s1 libstdc++6 libssl3 zlib1g)
# What debootstrap adds to minbase: the .NET SDK's dependencies (ICU for its globalization), the native toolchain the
# Native AOT publish links the executable with, and the runtime packages.
debootstrap_include=ca-certificates,libicu72,libssl3,zlib1g,libstdc++6,gcc,libc6-dev,zlib1g-dev
mkdir -p "$cache"

log() { printf '== %s\n' "$*"; }

# The image names, read from the files that use them so the stand-ins can never drift from what is built and run.
base_images=$(awk 'toupper($1) == "FROM" { print $2 }' app/Dockerfile)
sdk_image=$(grep -m1 '/dotnet/sdk:' <<<"$base_images")
runtime_image=$(grep -m1 '/dotnet/runtime-deps:' <<<"$base_images")
echo_image=$(grep -o 'ECHO_IMAGE:-[^}]*' app/compose.yaml | head -n1 | cut -d- -f2-)
for name in sdk_image runtime_image echo_image; do
  [ -n "${!name}" ] || { echo "cannot find the $name name in app/Dockerfile or app/compose.yaml" >&2; exit 1; }
done
unknown=$(grep -v -x -F -e "$sdk_image" -e "$runtime_image" <<<"$base_images" || true)
[ -z "$unknown" ] || { echo "app/Dockerfile uses base images this script has no stand-in for: $unknown" >&2; exit 1; }

# GitHub's runners reach the registries: there the real images are pulled (the tests need them present), not stood in for.
if [ "${GITHUB_ACTIONS:-}" = "true" ]; then
  for image in "$sdk_image" "$runtime_image" "$echo_image"; do
    log "pulling $image"
    docker pull --quiet "$image" >/dev/null
  done
  exit 0
fi

current_hash() { docker image inspect -f "{{ index .Config.Labels \"$hash_label\" }}" "$1" 2>/dev/null || true; }

# An image of that name without the stand-in label is a real one (pulled on a machine that reaches the registries): it is
# used as it is, never re-tagged or removed, so a later `docker build` there keeps building on the real base.
is_real() {
  docker image inspect "$1" >/dev/null 2>&1 &&
    [ -z "$(docker image inspect -f '{{ with .Config.Labels }}{{ index . "dev.spec-editor.stand-in" }}{{ end }}' "$1")" ]
}

keep_real() {
  if is_real "$1"; then
    log "$1 is a real image on this engine: used as it is, no stand-in"
    return 0
  fi
  return 1
}

# docker import, tagged NAME; the stand-in it replaces (never a real image, see keep_real) is removed unless something (a
# build cache, a tag) still uses it.
import_as() {
  local name=$1 previous
  shift
  previous=$(docker image inspect -f '{{.Id}}' "$name" 2>/dev/null || true)
  docker import "$@" - "$name" >/dev/null
  if [ -n "$previous" ] && [ "$previous" != "$(docker image inspect -f '{{.Id}}' "$name")" ]; then
    docker rmi "$previous" >/dev/null 2>&1 || true
  fi
}

# Files are hashed by content, not name, so a changed package reference or SDK rebuilds the stand-in that depends on it.
hash_of() { { sha256sum "$@" | cut -d' ' -f1; printf '%s\n' "$suite" "$debootstrap_include" "${runtime_packages[*]}"; } | sha256sum | cut -c1-16; }

# One debootstrap, cached (named by suite and package list): the sdk stand-in's root filesystem and the source of the
# runtime stand-in's libraries.
debian_rootfs() {
  local tarball
  tarball="$cache/debian-$suite-minbase-$(sha256sum <<<"$debootstrap_include" | cut -c1-8).tar"
  if [ ! -s "$tarball" ]; then
    log "debootstrap $suite (once; cached in $cache)" >&2
    local dir
    dir=$(mktemp -d "$cache/rootfs.XXXXXX")
    debootstrap --variant=minbase --include="$debootstrap_include" \
      "$suite" "$dir" "$mirror" >"$cache/debootstrap.log" 2>&1 ||
      { tail -n 30 "$cache/debootstrap.log" >&2; rm -rf "$dir"; exit 1; }
    rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/*
    tar -C "$dir" --numeric-owner -cf "$tarball.partial" .
    mv "$tarball.partial" "$tarball"
    rm -rf "$dir"
  fi
  echo "$tarball"
}

build_runtime_deps() {
  keep_real "$runtime_image" && return
  local hash
  hash=$(hash_of "$0")
  if [ "$(current_hash "$runtime_image")" = "$hash" ]; then
    log "$runtime_image stand-in is up to date"
    return
  fi
  log "building the $runtime_image stand-in"
  local tarball full slim
  tarball=$(debian_rootfs)
  full=$(mktemp -d) slim=$(mktemp -d)
  tar -C "$full" -xf "$tarball"

  # Debian's merged /usr layout, so the libraries' recorded paths (/lib/..., /lib64/ld-linux...) resolve as they do there.
  mkdir -p "$slim"/usr/{bin,sbin,lib/x86_64-linux-gnu,lib64} "$slim"/etc/ssl/certs "$slim/home/app" "$slim/tmp"
  ln -s usr/bin "$slim/bin" && ln -s usr/sbin "$slim/sbin" && ln -s usr/lib "$slim/lib" && ln -s usr/lib64 "$slim/lib64"

  # Like chisel's "libs" slices: each package's shared libraries (not gconv modules, OpenSSL engines or docs).
  local files=()
  mapfile -t files < <(
    for package in "${runtime_packages[@]}"; do
      dpkg-query --admindir="$full/var/lib/dpkg" -L "$package"
    done | grep -E '^/(usr/)?lib(64)?/(x86_64-linux-gnu/)?[^/]+\.so(\.[0-9]+)*$' | sed 's|^/||' | sort -u)
  tar -C "$full" -cf - "${files[@]}" | tar -C "$slim" --keep-directory-symlink -xf -
  cp "$full/etc/ssl/certs/ca-certificates.crt" "$slim/etc/ssl/certs/"
  # OpenSSL looks for its trust store under /usr/lib/ssl (Debian points it at /etc/ssl).
  mkdir -p "$slim/usr/lib/ssl"
  ln -s /etc/ssl/certs "$slim/usr/lib/ssl/certs"
  ln -s /etc/ssl/certs/ca-certificates.crt "$slim/usr/lib/ssl/cert.pem"
  cp "$full/etc/os-release" "$slim/etc/os-release"
  printf 'root:x:0:0:root:/root:/usr/sbin/nologin\napp:x:1654:1654:app:/home/app:/usr/sbin/nologin\n' >"$slim/etc/passwd"
  printf 'root:x:0:\napp:x:1654:\n' >"$slim/etc/group"
  chown 1654:1654 "$slim/home/app"
  chmod 1777 "$slim/tmp"

  # The environment and user of the real chiseled image.
  tar -C "$slim" --numeric-owner -cf - . | import_as "$runtime_image" \
    --change 'ENV APP_UID=1654 ASPNETCORE_HTTP_PORTS=8080 DOTNET_RUNNING_IN_CONTAINER=true DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=true' \
    --change 'USER 1654' \
    --change "LABEL $hash_label=$hash dev.spec-editor.stand-in=test-only"
  rm -rf "$full" "$slim"
}

# The packages the Dockerfile's restore step needs, restored on this machine (which reaches the NuGet registry) into a
# fresh folder with the same command line the Dockerfile runs, from a copy of the same input files.
nuget_seed() {
  local seed=$1 work restore_args
  restore_args=$(sed -n 's/^RUN dotnet restore //p' app/Dockerfile)
  [ -n "$restore_args" ] || { echo "app/Dockerfile has no 'RUN dotnet restore' line" >&2; exit 1; }
  work=$(mktemp -d)
  cp global.json NuGet.config Directory.Build.props Directory.Packages.props "$work/"
  mkdir -p "$work/app" && cp app/SpecEditor.csproj "$work/app/"
  # shellcheck disable=SC2086 # the Dockerfile's arguments, word-split as the shell in the image would.
  (cd "$work" && dotnet restore $restore_args --packages "$seed" >"$cache/seed-restore.log" 2>&1) ||
    { tail -n 30 "$cache/seed-restore.log" >&2; rm -rf "$work"; exit 1; }
  rm -rf "$work"
}

build_sdk() {
  keep_real "$sdk_image" && return
  local dotnet_root hash
  dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
  hash=$(hash_of "$0" global.json NuGet.config Directory.Build.props Directory.Packages.props app/SpecEditor.csproj \
    <(grep '^RUN dotnet restore' app/Dockerfile) <(dotnet --version) <(ls "$dotnet_root/shared/"*))
  if [ "$(current_hash "$sdk_image")" = "$hash" ]; then
    log "$sdk_image stand-in is up to date"
    return
  fi
  log "building the $sdk_image stand-in (.NET $(dotnet --version) from $dotnet_root)"
  local tarball root
  tarball=$(debian_rootfs)
  root=$(mktemp -d)
  tar -C "$root" -xf "$tarball"
  mkdir -p "$root/usr/share/dotnet" "$root/root/.nuget/packages"
  cp -a "$dotnet_root/." "$root/usr/share/dotnet/"
  ln -sf /usr/share/dotnet/dotnet "$root/usr/bin/dotnet"
  nuget_seed "$root/root/.nuget/packages"
  tar -C "$root" --numeric-owner -cf - . | import_as "$sdk_image" \
    --change 'ENV DOTNET_ROOT=/usr/share/dotnet DOTNET_RUNNING_IN_CONTAINER=true DOTNET_USE_POLLING_FILE_WATCHER=true NUGET_XMLDOC_MODE=skip DOTNET_NOLOGO=true' \
    --change 'WORKDIR /' \
    --change "LABEL $hash_label=$hash dev.spec-editor.stand-in=test-only"
  rm -rf "$root"
}

build_echo() {
  keep_real "$echo_image" && return
  local hash script
  script=$(cat <<'SCRIPT'
#!/bin/sh
# Stand-in for hashicorp/http-echo: `-listen=[host]:port -text=TEXT`; answers GET / with TEXT.
listen=:5678 text=${ECHO_TEXT:-hello-world}
for arg in "$@"; do
  case $arg in -listen=*) listen=${arg#-listen=} ;; -text=*) text=${arg#-text=} ;; esac
done
mkdir -p /tmp/www && printf '%s\n' "$text" >/tmp/www/index.html
/bin/busybox httpd -f -p "${listen#:}" -h /tmp/www &
trap 'kill $!' TERM INT
wait
SCRIPT
)
  hash=$(hash_of "$0" /bin/busybox)
  if [ "$(current_hash "$echo_image")" = "$hash" ]; then
    log "$echo_image stand-in is up to date"
    return
  fi
  log "building the $echo_image stand-in"
  local root
  root=$(mktemp -d)
  mkdir -p "$root/bin" "$root/tmp"
  cp /bin/busybox "$root/bin/busybox"
  ln -s busybox "$root/bin/sh"
  printf '%s\n' "$script" >"$root/http-echo"
  chmod 755 "$root/http-echo"
  chmod 1777 "$root/tmp"
  tar -C "$root" --numeric-owner -cf - . | import_as "$echo_image" \
    --change 'ENTRYPOINT ["/http-echo"]' --change 'EXPOSE 5678' \
    --change "LABEL $hash_label=$hash dev.spec-editor.stand-in=test-only"
  rm -rf "$root"
}

build_runtime_deps
build_sdk
build_echo
