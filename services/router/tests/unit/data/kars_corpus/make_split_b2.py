#!/usr/bin/env python3
"""Assigns the fixed split of petitions_b2.jsonl: 900 'train', 300 'test2'.

Stdlib only, deterministic, re-runnable.

Rule: the petitions are grouped by `expected` (ACIKKAPI further by `clear`, so the office's own clear
petitions and the unclear ones are both represented). Each group of n petitions gets floor(n/4) test2
places; the places still missing to reach exactly 300 go to the groups with the largest remainder n/4 −
floor(n/4) (ties: larger group, then name). Within a group the test2 petitions are those whose
sha256("kars-b2:" + id) is smallest. Nothing depends on the text, so relabelling a petition's text does not
move it; adding petitions moves only their own group's boundary.
"""

import collections
import hashlib
import json
import math
import pathlib

HERE = pathlib.Path(__file__).resolve().parent
DATA = HERE / "petitions_b2.jsonl"
TEST_SHARE, TEST_TOTAL = 0.25, 300


def key(r):
    return (
        f"{r['expected']}:{'clear' if r['clear'] else 'unclear'}"
        if r["expected"] == "ACIKKAPI"
        else r["expected"]
    )


def rank(rid):
    return hashlib.sha256(f"kars-b2:{rid}".encode()).hexdigest()


def main():
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
    groups = collections.defaultdict(list)
    for r in rows:
        groups[key(r)].append(r)
    quota = {g: math.floor(len(rs) * TEST_SHARE) for g, rs in groups.items()}
    left = TEST_TOTAL - sum(quota.values())
    by_remainder = sorted(
        groups, key=lambda g: (-(len(groups[g]) * TEST_SHARE - quota[g]), -len(groups[g]), g)
    )
    for g in by_remainder[:left]:
        quota[g] += 1
    test = set()
    for g, rs in groups.items():
        test.update(r["id"] for r in sorted(rs, key=lambda r: rank(r["id"]))[: quota[g]])
    for r in rows:
        r["set"] = "test2" if r["id"] in test else "train"
    DATA.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    c = collections.Counter(r["set"] for r in rows)
    print(f"train {c['train']}, test2 {c['test2']} over {len(groups)} groups")


if __name__ == "__main__":
    main()
