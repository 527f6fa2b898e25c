#!/usr/bin/env python3
"""Issue 20: the machine's load while each run of a scale-alternate TAG ran, from a log of `date -u +%H:%M:%S` and
/proc/loadavg lines sampled every 30 s (today's date) and each run's .time file (its end: the file's mtime; its start:
the end less the wall). Writes results/scale/TAG/load.txt: run, start and end (UTC), the 1-minute load average's mean
and maximum over the run, samples. Run it in the worktree where the runs ended (mtimes are not kept by git).
Usage: scripts/scale-load.py TAG LOAD_LOG"""
import datetime, glob, os, sys

here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
tag, log = sys.argv[1], sys.argv[2]
out = os.path.join(here, "results", "scale", tag)
samples = []
for line in open(log):
    w = line.split()
    if len(w) >= 2:
        h, m, s = (int(x) for x in w[0].split(":"))
        samples.append((h * 3600 + m * 60 + s, float(w[1])))
rows = []
for t in sorted(glob.glob(os.path.join(out, "*.time")), key=lambda f: int(os.path.basename(f).split("-")[0])):
    w = open(t).read().split()
    if not w:
        continue
    end = datetime.datetime.fromtimestamp(os.path.getmtime(t), datetime.timezone.utc)
    start = end - datetime.timedelta(seconds=float(w[1]))
    a = start.hour * 3600 + start.minute * 60 + start.second
    b = end.hour * 3600 + end.minute * 60 + end.second
    inside = [x for ts, x in samples if a <= ts <= b]
    name = os.path.basename(t)[:-5]
    if inside:
        rows.append(f"{name} {start:%H:%M:%S} {end:%H:%M:%S} {sum(inside) / len(inside):.1f} {max(inside):.1f} {len(inside)}")
    else:
        rows.append(f"{name} - - - - 0")  # not in the log (an earlier session's run)
open(os.path.join(out, "load.txt"), "w").write("# run start-utc end-utc load1-mean load1-max samples\n" + "\n".join(rows) + "\n")
print("\n".join(rows))
