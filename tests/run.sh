#!/usr/bin/env bash
# Runs every test project, one after another, and exits non-zero if any test fails.
#
# The infra tests need the Pulumi NuGet packages (Pulumi, Pulumi.Aws, Pulumi.Docker, Pulumi.Kubernetes). Where the
# configured NuGet sources cannot provide them, those tests are skipped with one line saying so; everything else runs.
# Extra arguments go to every `dotnet test` call (e.g. --filter "FullyQualifiedName~Yaml").
set -uo pipefail
cd "$(dirname "$0")/.."

configuration="${CONFIGURATION:-Release}"
results="${TEST_RESULTS_DIR:-$PWD/artifacts/test-results}"
mkdir -p "$results"

projects=()
for project in tests/*/*.csproj; do
  case "$project" in
    tests/Infra.Tests/* | tests/*Benchmarks*/*) ;;
    # Libraries the tests share (e.g. tests/GitHubFake) are built by the projects that use them; only test projects run.
    *) grep -q 'Microsoft.NET.Test.Sdk' "$project" && projects+=("$project") ;;
  esac
done

status=0
if [ -f tests/Infra.Tests/Infra.Tests.csproj ]; then
  restore_log="$results/infra-restore.log"
  if dotnet restore tests/Infra.Tests/Infra.Tests.csproj >"$restore_log" 2>&1; then
    projects+=(tests/Infra.Tests/Infra.Tests.csproj)
  else
    # Skipped only when the sole problem is Pulumi packages the sources do not have (NU1101: no such package, NU1102: no
    # such version). Any other restore error (a typo'd package, a vulnerable one, an unreachable source) fails the run.
    errors=$(grep -oE "error [A-Z]+[0-9]+: .*" "$restore_log" | sort -u)
    other=$(printf '%s\n' "$errors" | grep -vE "^error NU110[12]: Unable to find package Pulumi(\.[A-Za-z0-9.]+)?[. ]" | grep -v '^$')
    if [ -n "$errors" ] && [ -z "$other" ]; then
      missing=$(printf '%s\n' "$errors" | grep -oE "Unable to find package [A-Za-z0-9.]+" | sort -u | sed -e 's/Unable to find package //' -e 's/\.$//' | paste -sd, -)
      echo "SKIPPED infra tests: the Pulumi packages cannot be restored from the configured NuGet sources ($missing)."
    else
      echo "FAILED to restore the infra tests (not only missing Pulumi packages):"
      printf '%s\n' "${other:-$(tail -n 20 "$restore_log")}"
      status=1
    fi
  fi
fi

for project in "${projects[@]}"; do
  name=$(basename "$project" .csproj)
  echo "==> $name"
  if ! dotnet test "$project" -c "$configuration" \
      --logger "trx;LogFileName=$name.trx" --results-directory "$results" \
      --logger "console;verbosity=normal" "$@"; then
    status=1
  fi
done

[ "$status" -eq 0 ] && echo "All test projects passed." || echo "Some tests failed; results are in $results."
exit "$status"
