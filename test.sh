#!/usr/bin/env bash
# The test command: fetches what the tests need when it is missing, builds, and runs every test.
# Usage: ./test.sh [extra dotnet test arguments, e.g. --filter "FullyQualifiedName~Gan"]
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# `apt-get download` (used by `distgen data get`) needs Debian's package lists; a fresh machine may have none.
if ! compgen -G "/var/lib/apt/lists/*_Packages*" >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    echo "test.sh: apt package lists are empty; running apt-get update"
    apt-get update -qq
  else
    echo "test.sh: apt package lists are empty; run 'sudo apt-get update' once, then ./test.sh again" >&2
    exit 2
  fi
fi
for tool in npm dpkg-deb; do
  command -v "$tool" >/dev/null || { echo "test.sh: '$tool' is missing (Debian: apt-get install ${tool/dpkg-deb/dpkg} )" >&2; exit 2; }
done
# The multi-process cluster tests (tests/DistGen.Cluster.Tests) start their own redis-server and prometheus on free
# loopback ports, and drive chromium (with a font for its screenshots) through Playwright.
for package in redis-server prometheus chromium fonts-dejavu-core; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed"; then
    if [ "$(id -u)" = 0 ]; then
      echo "test.sh: $package is missing; installing Debian's $package"
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$package" >/dev/null
    else
      echo "test.sh: $package is missing; run 'sudo apt-get install $package' once, then ./test.sh again" >&2
      exit 2
    fi
  fi
done

dotnet build DistGen.sln -c Release -nologo -clp:ErrorsOnly
distgen=(dotnet Client/bin/Release/net10.0/distgen.dll)
for dataset in fashion-mnist mnist kjv; do
  "${distgen[@]}" data get "$dataset"
done

log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
dotnet test DistGen.sln -c Release --no-build -nologo --logger "console;verbosity=normal" "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# The failures again at the very end, with the first lines of their messages: a long log is often read from its tail.
if [ "$status" != 0 ]; then
  grep -A 6 -E '^[[:space:]]+Failed [A-Za-z_]' "$log" | cut -c1-400 || true
fi
# One closing line for the whole solution, summed over the test assemblies' "Passed: N" / "Failed: N" / "Skipped: N" lines.
awk '/^[[:space:]]*(Passed|Failed|Skipped):[[:space:]]+[0-9]+[[:space:]]*$/ { n[$1] += $2 }
     END { printf "%d passed, %d failed, %d skipped\n", n["Passed:"], n["Failed:"], n["Skipped:"] }' "$log"
exit "$status"
