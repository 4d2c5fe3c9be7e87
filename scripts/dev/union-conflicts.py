#!/usr/bin/env python3
"""Resolve git conflict blocks in the given files by keeping both sides (ours, then
theirs). For additions made side by side (tests, doc bullets, imports) that is
the right merge; read the result before committing.
    python3 scripts/dev/union-conflicts.py docs/user-guide.md ui-tests/tests/x.spec.ts
"""
import re
import sys

BLOCK = re.compile(
    r"^<<<<<<< [^\n]*\n(.*?)^(?:\|\|\|\|\|\|\| [^\n]*\n.*?)?=======\n(.*?)^>>>>>>> [^\n]*\n",
    re.S | re.M,
)
for path in sys.argv[1:]:
    with open(path) as f:
        text = f.read()
    merged, n = BLOCK.subn(lambda m: m.group(1) + m.group(2), text)
    with open(path, "w") as f:
        f.write(merged)
    print(f"{path}: {n} block(s) kept both sides")
