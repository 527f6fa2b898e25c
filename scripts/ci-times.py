#!/usr/bin/env python3
"""Turns a log of `CI_LOG=FILE bash .ci/run` into results/ci/times.json: each test project's counts and duration,
the whole run's wall time, the commit, the cores and the load average at start and end. README.md's CI table is
written from that file by `totoro experiment report` (marker `<!-- results ci -->`)."""
import json
import re
import sys
from pathlib import Path

UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
SUMMARY = re.compile(r"(Passed|Failed)!\s+- Failed:\s+(\d+), Passed:\s+(\d+), Skipped:\s+(\d+), Total:\s+\d+, Duration: ([^-]+?) - (\S+)\.dll")


def seconds(text: str) -> float:
    parts = re.findall(r"(\d+(?:\.\d+)?)\s*(ms|h|m|s)\b", text)
    if not parts:
        sys.exit(f"ci-times: cannot read the duration '{text}'")
    return sum(float(n) * UNITS[u] for n, u in parts)


def main() -> None:
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: ci-times.py LOG [OUT.json]   (LOG from CI_LOG=LOG bash .ci/run)")
    log = Path(sys.argv[1])
    out = Path(sys.argv[2]) if len(sys.argv) == 3 else Path(__file__).resolve().parent.parent / "results" / "ci" / "times.json"
    text = log.read_text(errors="replace")
    meta = dict(re.findall(r"^ci: (\w+) (.*)$", text, re.MULTILINE))
    for key in ("commit", "cores", "start", "end"):
        if key not in meta:
            sys.exit(f"ci-times: {log} has no 'ci: {key}' line; was it written by CI_LOG=... bash .ci/run to the end?")
    start, load_start = meta["start"].split(" load ")
    end, load_end = meta["end"].split(" load ")
    projects = [
        {"project": name, "passed": int(p), "failed": int(f), "skipped": int(s), "seconds": round(seconds(d), 1)}
        for _, f, p, s, d, name in SUMMARY.findall(text)
    ]
    if not projects:
        sys.exit(f"ci-times: {log} holds no test project summary")
    result = {
        "commit": meta["commit"][:7],
        "cores": int(meta["cores"]),
        "wallSeconds": int(end) - int(start),
        "loadAtStart": load_start.split()[0],
        "loadAtEnd": load_end.split()[0],
        "projects": projects,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"{out}: {len(projects)} projects, {sum(p['passed'] for p in projects)} passed, wall {result['wallSeconds']} s")


if __name__ == "__main__":
    main()
