#!/usr/bin/env python3
"""Issue 20: writes the hot-path benchmark table (before / after, time and allocated bytes per operation) into
README.md between <!-- bench:begin --> and <!-- bench:end -->, from the BenchmarkDotNet GitHub-markdown reports
committed under results/scale/bench-before and results/scale/bench-after. Usage: scripts/scale-bench-readme.py [--print]"""
import glob, os, re

import readme_block

here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
scale = os.path.join(here, "results", "scale")
# (suite, method, parameter column value or None, what the row measures)
ROWS = [("Kernel", "HoldOneMillionEvents", None, "kernel, hold model, 10^6 pending (per event)"),
        ("Overlay", "RoutingStep", None, "routing step on a settled 10^5-node overlay"),
        ("PingPong", "HandlePong", None, "pong handling, node knowing 10^5 peers (per pong of 24 peers)"),
        ("PingPong", "HandlePing", None, "ping handling (the same, then a pong back)"),
        ("Codec", "EncodeIntoBuffer", "1048576", "encode a 4 MB model into a buffer"),
        ("Codec", "EncodeToArray", "1048576", "encode a 4 MB model to a new array"),
        ("Codec", "Decode", "1048576", "decode a 4 MB model"),
        ("Merge", "MergeOneThousand", None, "merge 1,000 contributions of 256 KB (with 16-byte reports)")]


def table(side, suite):
    """Rows of one suite's report as dicts keyed by column name; [] if the suite was not run."""
    files = glob.glob(os.path.join(scale, side, f"*{suite}Benchmarks-report-github.md"))
    if not files:
        return []
    lines = [l.strip() for l in open(files[0]) if l.startswith("|")]
    head = [c.strip() for c in lines[0].strip("|").split("|")]
    rows = []
    for l in lines[2:]:
        cells = [re.sub(r"\*\*", "", c).strip() for c in l.strip("|").split("|")]
        rows.append(dict(zip(head, cells)))
    return rows


def find(side, suite, method, param):
    for r in table(side, suite):
        if r.get("Method") == method and (param is None or param in r.values()):
            return r
    return None


def allocated(r):
    return "–" if r is None else ("0 B" if r.get("Allocated") in ("-", "0 B") else r.get("Allocated"))


def block():
    out = ["| benchmark | before | after | allocated before → after |", "| --- | ---: | ---: | --- |"]
    missing = []
    for suite, method, param, what in ROWS:
        b, a = find("bench-before", suite, method, param), find("bench-after", suite, method, param)
        if b is None and a is None:
            missing.append(what)
            continue
        mean = lambda r: "not run" if r is None else r["Mean"]
        out.append(f"| {what} | {mean(b)} | {mean(a)} | {allocated(b)} → {allocated(a)} |")
    text = "\n".join(out) + "\n"
    if missing:
        text += "\nNot in the committed reports (no before/after run): " + "; ".join(missing) + ".\n"
    return text


readme_block.write("bench", block())
