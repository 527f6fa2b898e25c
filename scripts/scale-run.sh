#!/bin/bash
# Issue 20: one large `totoro sim` run at nice 10 (NICE=19 for a run that must yield to everything) under /usr/bin/time -v,
# its resident memory sampled every 5 s (rss.log), its progress lines (progress.log, as they come), its JSON report, the
# command and the build's commit kept under results/scale/TAG. Waits while /work/QUIET exists.
# Usage: scripts/scale-run.sh DLL TAG SIM_ARGS...
#   e.g. scripts/scale-run.sh Totoro.Cli/bin/Release/net10.0/totoro.dll 10m --nodes 10000000 --seed 1
set -euo pipefail
dll=$1; tag=$2; shift 2
here=$(cd "$(dirname "$0")/.." && pwd)
out=$here/results/scale/$tag
mkdir -p "$out"
echo "NICE=${NICE:-10} scripts/scale-run.sh $dll $tag $*" > "$out/command.txt"
echo "build: $(cat "$(dirname "$dll")/COMMIT" 2> /dev/null || git -C "$here" rev-parse --short HEAD)" >> "$out/command.txt"
while [ -e /work/QUIET ]; do sleep 60; done
date -u +"started %FT%TZ" >> "$out/command.txt"
nice -n "${NICE:-10}" /usr/bin/time -v -o "$out/time.txt" dotnet "$dll" sim "$@" --json --progress > "$out/report.json" 2> "$out/progress.log" &
"$here/scripts/scale-rss.sh" $! > "$out/rss.log"
wait
date -u +"ended %FT%TZ" >> "$out/command.txt"
grep -E "Elapsed|Maximum resident|User time" "$out/time.txt"
