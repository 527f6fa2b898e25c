#!/bin/bash
# Issue 20: runs a baseline build and this build of `totoro sim` one after the other, alternating (b n n b b n by default),
# on the same arguments, keeps every JSON report and /usr/bin/time line under results/scale/TAG, and prints the medians
# and their ratios (before / after). Reports must agree field for field, wall and memory aside (/work/cmp/compare.sh).
# Usage: scripts/scale-alternate.sh BASELINE_DLL NEW_DLL TAG SIM_ARGS...
#   e.g. scripts/scale-alternate.sh /work/wt-base/Totoro.Cli/bin/Release/net10.0/totoro.dll \
#          Totoro.Cli/bin/Release/net10.0/totoro.dll 100k-alternate --nodes 100000 --lookups 10000 --seed 1
# ORDER=bnnbbn (the default) sets the order; `scripts/scale-alternate.sh --summary TAG` prints the medians again.
# SIDE=after (the default) names the new build's runs, so that a second new build can join the same TAG as, say, after2.
# No run starts while /work/QUIET exists (a timing-sensitive soak); each run's resident memory is sampled every 5 s.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
if [ "$1" == "--summary" ]; then out=$here/results/scale/$2; else
  base=$1; new=$2; tag=$3; shift 3
  out=$here/results/scale/$tag
  mkdir -p "$out"
  echo "ORDER=${ORDER:-bnnbbn} scripts/scale-alternate.sh $base $new $tag $*" >> "$out/command.txt"
  i=$(ls "$out"/*.time 2> /dev/null | wc -l || true) # appends to the runs already there (none: ls fails, and pipefail with it)
  for c in $(echo "${ORDER:-bnnbbn}" | fold -w1); do
    i=$((i + 1))
    if [ "$c" == b ]; then dll=$base; side=before; else dll=$new; side=${SIDE:-after}; fi
    while [ -e /work/QUIET ]; do sleep 60; done
    nice -n 10 /usr/bin/time -f "$side %e s wall, %U s user, %M KB peak" -o "$out/$i-$side.time" \
      dotnet "$dll" sim "$@" --json > "$out/$i-$side.json" &
    "$here/scripts/scale-rss.sh" $! > "$out/$i-$side.rss"
    wait
    cat "$out/$i-$side.time"
  done
fi
python3 - "$out" <<'PY'
import glob, statistics, sys
runs = {}
for f in sorted(glob.glob(sys.argv[1] + "/*.time")):
    w = open(f).read().split()
    runs.setdefault(w[0], []).append((float(w[1]), float(w[4]), int(w[7])))
med = {k: [statistics.median(r[i] for r in v) for i in range(3)] for k, v in runs.items() if v}
for k, (wall, user, kb) in med.items():
    print(f"{k}: {len(runs[k])} runs, median {wall:.1f} s wall, {user:.2f} s user (CPU), {kb / 1024:.1f} MB peak")
for k, a in med.items():
    if k != "before" and "before" in med:
        b = med["before"]
        print(f"before / {k}: CPU {b[1] / a[1]:.3f}x, wall {b[0] / a[0]:.3f}x, peak {b[2] / a[2]:.3f}x")
PY
