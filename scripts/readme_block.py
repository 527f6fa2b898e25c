"""Writes a generated block into README.md between <!-- NAME:begin --> and <!-- NAME:end --> (or prints it with --print)."""
import os
import sys


def write(name, text):
    if "--print" in sys.argv:
        print(text)
        return
    readme = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "README.md")
    s = open(readme).read()
    begin, end = f"<!-- {name}:begin -->\n", f"<!-- {name}:end -->"
    if begin not in s:
        sys.exit(f"README.md has no {begin.strip()} marker")
    s = s[: s.index(begin) + len(begin)] + text + s[s.index(end):]
    open(readme, "w").write(s)
