#!/usr/bin/env bash
# Measures `totoro deploy up` and `down` against HOSTS network namespaces, each with its own sshd (root needed):
# a 10-host round, then all HOSTS, fresh each time; writes OUT/hosts.csv (each host's connect, upload, certify, start
# and join seconds), OUT/summary.txt (wall times, medians, and the 500-host time worked out from the two rounds),
# OUT/deploy-at-scale.log (the test's output) and OUT/load.txt (the load average every 15 s).
# Usage: scripts/deploy-at-scale.sh [HOSTS=50] [PARALLEL=8] [OUT=results/deploy]
set -euo pipefail
cd "$(dirname "$0")/.."
hosts=${1:-50}
parallel=${2:-8}
out=$(realpath -m "${3:-results/deploy}")
if [ "$(id -u)" != 0 ]; then
    echo "deploy-at-scale: needs root (it creates network namespaces and runs an sshd in each)" >&2
    exit 2
fi
dotnet build tests/Totoro.Cli.Tests -c Release -v quiet
mkdir -p "$out"
# The machine's load during the run (other work on it slows every step): /proc/loadavg every 15 s.
( while true; do echo "$(date -u +%T) $(cut -d' ' -f1-3 /proc/loadavg)"; sleep 15; done ) > "$out/load.txt" &
sampler=$!
trap 'kill $sampler 2>/dev/null' EXIT
TOTORO_DEPLOY_HOSTS=$hosts TOTORO_DEPLOY_PARALLEL=$parallel TOTORO_DEPLOY_RESULTS=$out \
    dotnet test tests/Totoro.Cli.Tests -c Release --no-build --filter "Category=DeployScale" --logger "console;verbosity=detailed" \
    2>&1 | tee "$out/deploy-at-scale.log"
cat "$out/summary.txt"
# The README's deploy section quotes the summary between its markers (numbers written by this command, not by hand).
python3 - "$out/summary.txt" README.md <<'PY'
import re, sys
summary = open(sys.argv[1]).read().strip()
readme = open(sys.argv[2]).read()
block = "<!-- deploy-at-scale:begin -->\n```text\n" + summary + "\n```\n<!-- deploy-at-scale:end -->"
open(sys.argv[2], "w").write(re.sub(r"<!-- deploy-at-scale:begin -->.*?<!-- deploy-at-scale:end -->", lambda _: block, readme, flags=re.S))
PY
