#!/bin/bash
# Issue 20: once a scripts/scale-run.sh TAG has ended (its command.txt says "ended"), regenerates the README's scale
# block from the committed and new results and commits results/scale/TAG with it; a run that failed is committed too
# (its time.txt and progress.log say how). --wait waits for the end first, checking every minute.
# Usage: scripts/scale-finish.sh TAG [--wait]    e.g. scripts/scale-finish.sh 10m --wait
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
tag=$1; out=$here/results/scale/$tag
[ -f "$out/command.txt" ] || { echo "error: no run results/scale/$tag"; exit 1; }
if [ "${2:-}" == --wait ]; then while ! grep -q '^ended ' "$out/command.txt"; do sleep 60; done; fi
grep -q '^ended ' "$out/command.txt" || { echo "error: results/scale/$tag has not ended yet (tail $out/progress.log)"; exit 1; }
python3 "$here/scripts/scale-readme.py"
summary=$(grep -E "Exit status|Elapsed|Maximum resident|User time" "$out/time.txt" | sed 's/^\s*//' | paste -sd ';' -)
git -C "$here" add "results/scale/$tag" README.md
git -C "$here" commit -q -m "scale run $tag ($(sed -n 1p "$out/command.txt" | cut -d" " -f5-)): $summary; README scale block regenerated"
git -C "$here" log --oneline -1
