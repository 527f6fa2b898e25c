#!/usr/bin/env python3
"""Issue 20: writes the measured scale figures into README.md between <!-- scale:begin --> and <!-- scale:end -->,
from the committed runs under results/scale (scale-alternate.sh's *.time and *.json, scale-run.sh's time.txt,
report.json and rss.log). Usage: scripts/scale-readme.py [--print]"""
import glob, json, os, re, statistics, sys

import readme_block

here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
scale = os.path.join(here, "results", "scale")
MACHINE_GIB = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
WANTED = [("1m-train", "the 10^6-node training run (1,000 apps × 100 workers, timing mode)"),
          ("10m", "the 10^7-node overlay")]
SIDES = {"before": "starting build (d0b1703)", "after": "709c054", "after2": "+ prefetch pipeline, array oracle (89599e2)",
         "after3": "1fca750 (main, 10^7 run merged)", "after4": "+ sparse deep routing rows, rare node state (6ba9972)",
         "after5": "+ event queue in segments (aa6a522)",
         "after10": "+ leaf-set reach codes, one array for leaf and neighbourhood sets (e725681)",
         "after11": "df54063 (perf11-tried), not kept (lent slots without the array, links and places prefetched)",
         "after12": "+ the heap on 2 MB pages (eef9e9e)",
         "after13": "+ keep-alive peers already in the leaf set skip the other tables, rough proximity in routing cells (b6d70ad)"}


def alternate(tag):
    """Every run of a scale-alternate TAG: side, wall s, user s, peak KB, report."""
    runs = []
    for t in sorted(glob.glob(os.path.join(scale, tag, "*.time")), key=lambda f: int(os.path.basename(f).split("-")[0])):
        w = open(t).read().split()
        if not w:
            continue  # a run still going (time writes its line at the end)
        report = json.load(open(t[:-5] + ".json"))
        runs.append((w[0], float(w[1]), float(w[4]), int(w[7]), report))
    return runs


def loads(tag):
    """Each run's machine load (1-minute mean and maximum over the run) from TAG/load.txt (scale-load.py), if any."""
    path = os.path.join(scale, tag, "load.txt")
    if not os.path.exists(path):
        return {}
    rows = [l.split() for l in open(path) if not l.startswith("#")]
    return {int(r[0].split("-")[0]): f"{r[3]} (max {r[4]})" for r in rows if r[3] != "-"}


def same_session(i):
    """Whether runs i and i + 1 of 1m-alternate ran in one session (the second started within an hour of the first's end, per load.txt)."""
    path = os.path.join(scale, "1m-alternate", "load.txt")
    times = {}
    for l in open(path) if os.path.exists(path) else []:
        r = l.split()
        if not l.startswith("#") and r[1] != "-":
            times[int(r[0].split("-")[0])] = [sum(int(x) * 60 ** (2 - k) for k, x in enumerate(t.split(":"))) for t in r[1:3]]
    if i not in times or i + 1 not in times:
        return True  # no times kept (the first session's runs): as before
    return 0 <= times[i + 1][0] - times[i][1] < 3600


def timev(path):
    """The figures of a /usr/bin/time -v file."""
    text = open(path).read()
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", text).group(1).split(":")
    seconds = sum(float(x) * 60 ** i for i, x in enumerate(reversed(wall)))
    user = float(re.search(r"User time \(seconds\): (\S+)", text).group(1))
    kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1))
    return seconds, user, kb


def finished(tag):
    """A finished scale-run.sh TAG: wall s, user s, peak KB, report, the sim's arguments; None while it runs or if absent."""
    d = os.path.join(scale, tag)
    if not all(os.path.exists(os.path.join(d, f)) and os.path.getsize(os.path.join(d, f)) > 0 for f in ("time.txt", "report.json")):
        return None
    wall, user, kb = timev(os.path.join(d, "time.txt"))
    cmd = open(os.path.join(d, "command.txt")).readline().split(f" {tag} ", 1)[1].strip()
    return wall, user, kb, json.load(open(os.path.join(d, "report.json"))), cmd


def span(values):
    return f"{min(values)}" if min(values) == max(values) else f"{min(values)}–{max(values)}"


def overlay_line(o):
    return (f"{o['joinedNodes']:,} joined, {o['leafSetsExact']:,} leaf sets exact, "
            f"{o['correct']:,} / {o['lookups']:,} lookups correct ({o['meanHops']} hops)")


def block():
    out = []
    runs = alternate("1m-alternate")
    if runs:
        out.append("`--nodes 1000000 --lookups 10000 --seed 1`, the builds run one after another in one session "
                   "(`scripts/scale-alternate.sh`, nice 10, [results/scale/1m-alternate](results/scale/1m-alternate); "
                   "the order and commands are in its command.txt):")
        out.append("")
        load = loads("1m-alternate")
        out.append("| run | build | machine load (1-min mean) | wall | CPU (user) | peak resident (time -v) | bytes per node (sim's own peak) | overlay |")
        out.append("| ---: | --- | ---: | ---: | ---: | ---: | ---: | --- |")
        for i, (side, wall, user, kb, r) in enumerate(runs, 1):
            out.append(f"| {i} | {SIDES.get(side, side)} | {load.get(i, '–')} | {wall:.0f} s | {user:.0f} s | {kb / 1024:,.0f} MiB | "
                       f"{r['run']['bytesPerNode']:,.0f} B | {overlay_line(r['overlay'])} |")
        out.append("")
        med = {}
        for side, wall, user, kb, _ in runs:
            med.setdefault(side, []).append((wall, user, kb))
        med = {k: [statistics.median(x[i] for x in v) for i in range(3)] for k, v in med.items()}
        if "before" in med:
            b = med["before"]
            for k, a in med.items():
                if k != "before":
                    out.append(f"- starting build / {SIDES.get(k, k)}: wall **{b[0] / a[0]:.2f}×**, CPU {b[1] / a[1]:.2f}×, "
                               f"peak {b[2] / a[2]:.2f}× (medians of {len([r for r in runs if r[0] == 'before'])} and "
                               f"{len([r for r in runs if r[0] == k])} runs)")
        # Medians mix loads; a run next to a baseline run at a like load is the fairer pair.
        for i in range(1, len(runs)):
            (s0, w0, u0, k0, _), (s1, w1, u1, k1, _) = runs[i - 1], runs[i]
            if not same_session(i):
                continue
            if s0 == "before" and s1 != "before":
                out.append(f"- run {i} / run {i + 1}, back to back (load {load.get(i, '–')} / {load.get(i + 1, '–')}): "
                           f"wall **{w0 / w1:.2f}×**, CPU {u0 / u1:.2f}×, peak {k0 / k1:.2f}×")
            elif s1 == "before" and s0 != "before" and i >= 25:  # a new build's run, then the baseline's (counted from session 13, run 25)
                out.append(f"- run {i + 1} / run {i}, back to back (load {load.get(i + 1, '–')} / {load.get(i, '–')}): "
                           f"wall **{w1 / w0:.2f}×**, CPU {u1 / u0:.2f}×, peak {k1 / k0:.2f}×")
        fields = lambda r: json.dumps({k: v for k, v in r.items() if k != "run"}, sort_keys=True)
        same = len({fields(r) for *_, r in runs}) == 1
        side, wall, user, kb, r = [x for x in runs if x[0] != "before"][-1]
        per_node = r["run"]["bytesPerNode"] + 4 * 16  # one routing-table row more at 10^7 (log16 of 10^7 is 5.8)
        out.append(f"- 10^7 nodes from this run, at least: {10 * r['run']['events'] / 1e9:.2f} G events "
                   f"(10 × {r['run']['events']:,}), {10 * user / 60:.0f} min of CPU (10 × {user:.0f} s; more with the "
                   f"larger working set's cache misses), {per_node * 1e7 / 2**30:.1f} GiB at {per_node:,.0f} B per node")
        if len(runs) > 1:
            out.append(f"- the {len(runs)} reports are {'the same' if same else 'NOT the same'} field for field apart from the run section (wall, memory)")
        out.append("")
    train = finished("1m-train")
    if train:
        wall, user, kb, r, cmd = train
        l = r["learning"]
        rounds = [a["rounds"] for a in l["perApp"]]
        round_times = sorted(a["roundSeconds"] for a in l["perApp"])
        full = all(h["contributions"] == h["participants"] == l["clientsPerRound"] for a in l["perApp"] for h in a["history"])
        out.append(f"Training at a million nodes (`totoro sim {cmd}`, nice 10, "
                   f"[results/scale/1m-train](results/scale/1m-train)): "
                   f"{r['overlay']['joinedNodes']:,} joined, {r['overlay']['leafSetsExact']:,} leaf sets exact; "
                   f"{l['apps']:,} apps × {l['workersPerApp']} workers, "
                   f"{'every worker' if l['clientsPerRound'] == l['workersPerApp'] else l['clientsPerRound']} in every round "
                   f"({l['mode']} mode, {l['model']}, {l['parameters']:,} parameters), {span(rounds)} rounds completed per app, "
                   f"{'every' if full else 'NOT every'} round with every participant's contribution at the root; round time **{l['meanRoundSeconds']:.2f} s** "
                   f"simulated on average (apps' means {round_times[0]:.2f}–{round_times[-1]:.2f} s, median "
                   f"{statistics.median(round_times):.2f} s), the last app done "
                   f"{l['totalTrainingSeconds']:.2f} s after training started; {r['network']['messages']:,} messages, {r['run']['events']:,} events; "
                   f"wall **{wall:.0f} s** ({user:.0f} s CPU); peak **{kb / 1024:,.0f} MiB** "
                   f"({kb * 1024 / r['overlay']['nodes']:,.0f} B per node).")
        out.append("")
    big = finished("10m")
    if big:
        wall, user, kb, r, cmd = big
        out.append(f"Ten million nodes (`totoro sim {cmd}`, nice 19, [results/scale/10m](results/scale/10m), "
                   f"progress and resident memory every 5 s in its progress.log and rss.log): {overlay_line(r['overlay'])}; "
                   f"{r['run']['events']:,} events; wall **{wall / 3600:.2f} h** ({user / 3600:.2f} h CPU); peak "
                   f"**{kb / 2**20:.1f} GiB** ({kb * 1024 / r['overlay']['nodes']:,.0f} B per node) of the machine's "
                   f"{MACHINE_GIB:.1f} GiB.")
        out.append("")
    missing = [what for tag, what in WANTED if not finished(tag)]
    if missing:
        out.append("Not measured yet (no finished run committed): " + "; ".join(missing) + ".")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


readme_block.write("scale", block())
