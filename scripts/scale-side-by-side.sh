#!/bin/bash
# Issue 20: runs a baseline build and this build of `totoro sim` at the same time on the same arguments (so a busy
# machine slows both alike) and keeps both JSON reports and their wall/CPU/peak figures under results/scale/TAG.
# Usage: scripts/scale-side-by-side.sh BASELINE_BIN_DIR TAG SIM_ARGS...
#   e.g. scripts/scale-side-by-side.sh /work/scale-baseline-bin 1m --nodes 1000000 --lookups 10000 --seed 1
# BASELINE_BIN_DIR holds a Release build of the commit to compare against (dotnet build Totoro.Cli -c Release, copied).
set -euo pipefail
base=$1; tag=$2; shift 2
here=$(cd "$(dirname "$0")/.." && pwd)
out=$here/results/scale/$tag
mkdir -p "$out"
dotnet build "$here/Totoro.Cli" -c Release > /dev/null
/usr/bin/time -f "before %e s wall, %U s user, %M KB peak" -o "$out/before.time" dotnet "$base/totoro.dll" sim "$@" --json > "$out/before.json" &
/usr/bin/time -f "after %e s wall, %U s user, %M KB peak" -o "$out/after.time" dotnet "$here/Totoro.Cli/bin/Release/net10.0/totoro.dll" sim "$@" --json > "$out/after.json" &
wait
cat "$out/before.time" "$out/after.time"
