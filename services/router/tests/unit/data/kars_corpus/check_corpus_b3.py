#!/usr/bin/env python3
"""Validator for petitions_b3.jsonl, the third independent Kars corpus (stdlib only; extends check_corpus_b2).

    python3 check_corpus_b3.py            # validate, print the counts
    python3 check_corpus_b3.py --readme   # validate and rewrite the counts_b3 section of README.md
    python3 check_corpus_b3.py --yaml PATH  # reference data (default: the shared kars-institutions.yaml)

The role parts, styles and text folding are those of check_corpus_b2.py (one definition). Checks: every line
parses and has the fields; ids r0001… unique and in order; every code (expected, also, mention, topic, type,
district, channel) exists in the yaml; clear=false ⇒ expected=ACIKKAPI; every clear petition names a role
part of its institution and every part is covered ≥ 2 times; ≥ 40 clear petitions for each institution in
HARD (the ones a router confuses most) and ≥ 20 for every other one; every district ≥ 60 petitions; the
style rules of b2; ≥ 30 % with a misleading mention; unclear share 10–14 %; every petition in the training
set; no text equal or near-equal (difflib ratio > 0.9 after folding) to another here, in petitions.jsonl or
in petitions_b2.jsonl; no sentence of six words or more repeated in three petitions (template reuse);
nothing that looks like a TC Kimlik or phone number.
"""

import argparse
import collections
import json
import pathlib
import re
import statistics
import sys

sys.dont_write_bytecode = True
from check_corpus_b2 import (  # noqa: E402  (one definition of role parts, styles and folding)
    DEFAULT_YAML,
    ROLE_PARTS,
    STYLES,
    fold,
    load_yaml,
    near_duplicates,
    norm,
    role_family,
    tr_upper,
)

HERE = pathlib.Path(__file__).resolve().parent
DATA = HERE / "petitions_b3.jsonl"
OLDER = [HERE / "petitions.jsonl", HERE / "petitions_b2.jsonl"]
README = HERE / "README.md"
START, END = "<!-- counts_b3:start -->", "<!-- counts_b3:end -->"

FIELDS = ["id", "text", "topic", "type", "district", "channel", "expected", "clear", "style", "set"]
OPTIONAL = {"role_part", "topic_wrong", "also", "mention"}
DISTRICT_CODES = ["AKYAKA", "ARPACAY", "DIGOR", "KAGIZMAN", "SARIKAMIS", "SELIM", "SUSUZ"]
HARD = [
    "EMNIYET",
    "JANDARMA",
    "KULTUR_TURIZM",
    "TICARET",
    "VALILIK",
    "ASHB",
    "NUFUS",
    "CEVRE",
    *(f"KAYMAKAMLIK_{d}" for d in DISTRICT_CODES),
    *(f"BELEDIYE_{d}" for d in DISTRICT_CODES),
    "SYDV",
    "SGK",
    "ISKUR",
    "TARIM",
    "IL_OZEL_IDARE",
]
MIN_HARD, MIN_OTHER, MIN_DISTRICT = 40, 20, 60
# How a petition would name the institution outright (folded, lower case). Used only to report how many
# clear petitions never name the body they are about, i.e. must be routed from what they describe.
OWN_NAME = {
    "VALILIK": r"valili|vali bey|valim|sayin vali",
    "KAYMAKAMLIK": r"kaymakam",
    "BELEDIYE": r"belediye",
    "IL_OZEL_IDARE": r"ozel idare",
    "MEM": r"milli egitim|mem\b",
    "SAGLIK": r"saglik mudurlu",
    "KAFKAS_UNIVERSITESI": r"universite",
    "SGK": r"sgk|sosyal guvenlik",
    "ISKUR": r"iskur|is kurumu",
    "ASHB": r"aile ve sosyal|sosyal hizmet",
    "SYDV": r"vakf|vakif|sydv",
    "KARAYOLLARI": r"karayollari",
    "DSI": r"dsi\b|devlet su",
    "TARIM": r"tarim|orman mudurlu|orman isletme",
    "CEVRE": r"cevre ve sehircilik|cevre mudurlu|cevre sehircilik|cevre il",
    "EMNIYET": r"emniyet|polis",
    "JANDARMA": r"jandarma",
    "AFAD": r"afad",
    "NUFUS": r"nufus mudurlu|nufus ve vatandaslik|nufus mudurlug",
    "TAPU": r"tapu mudurlu|kadastro mudurlu",
    "VERGI": r"vergi dairesi|vergi mudurlu",
    "MUFTULUK": r"muftu",
    "GSB": r"genclik ve spor|genclik spor",
    "KULTUR_TURIZM": r"kultur ve turizm|kultur turizm|kultur mudurlu|turizm mudurlu",
    "TICARET": r"ticaret",
    "ARAS_EDAS": r"aras elektrik|aras edas|elektrik sirket|dagitim sirket",
    "TCDD": r"tcdd|demiryol",
    "DHMI": r"dhmi|havalimani mudurlu|havalimani idare",
    "ACIKKAPI": r"acik kapi",
}


def sentences(text):
    return [s for s in (norm(p) for p in re.split(r"[.!?]+", text)) if len(s.split()) >= 6]


def validate(rows, ref, older):
    err = []
    codes = set(ref["institutions"])
    ids = [r.get("id") for r in rows]
    if len(set(ids)) != len(ids):
        err.append("duplicate ids")
    for i, r in enumerate(rows, 1):
        rid = r.get("id", f"line {i}")
        missing = [f for f in FIELDS if f not in r]
        extra = set(r) - set(FIELDS) - OPTIONAL
        if missing or extra:
            err.append(f"{rid}: missing {missing} extra {sorted(extra)}")
            continue
        if rid != f"r{i:04d}":
            err.append(f"{rid}: id out of order (line {i})")
        for field, allowed in (
            ("topic", ref["topics"]),
            ("type", ref["types"]),
            ("district", ref["districts"]),
            ("channel", ref["channels"]),
        ):
            if r[field] not in allowed:
                err.append(f"{rid}: unknown {field} {r[field]!r}")
        for c in [r["expected"], *r.get("also", []), *r.get("mention", [])]:
            if c not in codes:
                err.append(f"{rid}: unknown institution {c!r}")
        if r["expected"] in r.get("also", []) + r.get("mention", []):
            err.append(f"{rid}: expected repeated in also/mention")
        if not isinstance(r["clear"], bool):
            err.append(f"{rid}: clear is not a boolean")
        if not r["clear"] and r["expected"] != "ACIKKAPI":
            err.append(f"{rid}: clear=false but expected {r['expected']}")
        if r["clear"]:
            fam = role_family(r["expected"])
            if r.get("role_part") not in ROLE_PARTS.get(fam, []):
                err.append(f"{rid}: role_part {r.get('role_part')!r} not a part of {fam}")
        elif "role_part" in r:
            err.append(f"{rid}: unclear petition with a role_part")
        if r["set"] != "train":
            err.append(f"{rid}: set {r['set']!r} (this corpus is training data only)")
        st, t = r["style"], r["text"]
        if st not in STYLES:
            err.append(f"{rid}: style {st!r}")
        if st == "no_turkish_letters" and fold(t) != t:
            err.append(f"{rid}: Turkish letters in a no_turkish_letters text")
        if st == "all_caps" and tr_upper(t) != t:
            err.append(f"{rid}: all_caps text is not upper case")
        if st == "very_short" and not 3 <= len(t.split()) <= 8:
            err.append(f"{rid}: very_short text has {len(t.split())} words")
        if st == "wrong_topic" and not r.get("topic_wrong"):
            err.append(f"{rid}: wrong_topic without topic_wrong")
        if st == "two_subjects" and not r.get("also"):
            err.append(f"{rid}: two_subjects without also")
        if st == "passing_mention" and not r.get("mention"):
            err.append(f"{rid}: passing_mention without mention")
        if st == "thanks" and r["type"] != "TESEKKUR":
            err.append(f"{rid}: thanks with type {r['type']}")
        if st == "question" and "?" not in t:
            err.append(f"{rid}: question without '?'")
        if re.search(r"(?<!\d)[1-9]\d{10}(?!\d)", t) or re.search(
            r"(?<!\d)(\+?90|0)?\s?5\d{2}[\s-]?\d{3}[\s-]?\d{2}[\s-]?\d{2}(?!\d)", t
        ):
            err.append(f"{rid}: looks like a TC Kimlik or phone number")
    # near-duplicates, here and against the two earlier corpora
    texts = [(r["id"], norm(r["text"])) for r in rows]
    old = [(o["id"], norm(o["text"])) for o in older]
    for a, b, ratio in near_duplicates(texts, old):
        err.append(f"{a}: near-duplicate of {b} ({ratio})")
    # template reuse: the same long sentence in three or more petitions
    seen = collections.defaultdict(set)
    for r in rows:
        for s in sentences(r["text"]):
            seen[s].add(r["id"])
    for s, where in seen.items():
        if len(where) >= 3:
            err.append(f"sentence reused in {sorted(where)}: {s[:60]!r}")
    # coverage
    clear = collections.Counter(r["expected"] for r in rows if r["clear"])
    for c in sorted(codes - {"ACIKKAPI"}):
        need = MIN_HARD if c in HARD else MIN_OTHER
        if clear[c] < need:
            err.append(f"{c}: only {clear[c]} clear petitions (< {need})")
    parts = collections.Counter((role_family(r["expected"]), r["role_part"]) for r in rows if r["clear"])
    for fam, ps in ROLE_PARTS.items():
        for p in ps:
            if parts[(fam, p)] < 2:
                err.append(f"role part {fam}/{p}: {parts[(fam, p)]} petitions (< 2)")
    dist = collections.Counter(r["district"] for r in rows)
    for d in ref["districts"]:
        if dist[d] < MIN_DISTRICT:
            err.append(f"district {d}: {dist[d]} petitions (< {MIN_DISTRICT})")
    n = len(rows)
    if sum(1 for r in rows if r.get("mention")) < 0.30 * n:
        err.append("fewer than 30 % of petitions carry a misleading mention")
    unclear = sum(1 for r in rows if not r["clear"])
    if not 0.10 * n <= unclear <= 0.14 * n:
        err.append(f"unclear share {unclear}/{n} outside 10–14 %")
    return err


def names_itself(r):
    pattern = OWN_NAME.get(role_family(r["expected"]))
    return bool(pattern and re.search(pattern, fold(r["text"]).lower()))


def counts_markdown(rows, ref):
    n = len(rows)
    unclear = sum(1 for r in rows if not r["clear"])
    clear_rows = [r for r in rows if r["clear"]]
    clear_office = sum(1 for r in clear_rows if r["expected"] == "ACIKKAPI")
    words = [len(r["text"].split()) for r in rows]
    mention = sum(1 for r in rows if r.get("mention"))
    unnamed = sum(1 for r in clear_rows if not names_itself(r))
    out = [
        f"- petitions: {n} (all `set: train`); unclear (clear=false, expected ACIKKAPI): {unclear} "
        f"({100 * unclear / n:.1f}%); clear ACIKKAPI (the office's own review role): {clear_office}",
        f"- with a misleading passing mention (`mention`): {mention} ({100 * mention / n:.1f}%); "
        f"topic_wrong: {sum(1 for r in rows if r.get('topic_wrong'))}; with `also`: "
        f"{sum(1 for r in rows if r.get('also'))}",
        f"- clear petitions that never name the responsible body (routed only from what they describe): "
        f"{unnamed} of {len(clear_rows)} ({100 * unnamed / len(clear_rows):.1f}%)",
        f"- words per petition: min {min(words)}, median {statistics.median(words):g}, max {max(words)}",
        "",
        "| expected | total | clear | names itself |",
        "|---|---|---|---|",
    ]
    for c in ref["institutions"]:
        rs = [r for r in rows if r["expected"] == c]
        out.append(
            f"| {c} | {len(rs)} | {sum(r['clear'] for r in rs)} | "
            f"{sum(1 for r in rs if r['clear'] and names_itself(r))} |"
        )

    def table(title, key, order):
        c = collections.Counter(key(r) for r in rows)
        return ["", f"| {title} | n |", "|---|---|"] + [f"| {k} | {c[k]} |" for k in order if c[k]]

    out += table("style", lambda r: r["style"], STYLES)
    out += table("district", lambda r: r["district"], ref["districts"])
    out += table("type", lambda r: r["type"], ref["types"])
    out += table("channel", lambda r: r["channel"], ref["channels"])
    out += table("topic (as chosen)", lambda r: r["topic"], ref["topics"])
    parts = collections.Counter((role_family(r["expected"]), r["role_part"]) for r in clear_rows)
    out += ["", "| role part (clear petitions) | n |", "|---|---|"]
    for fam, ps in ROLE_PARTS.items():
        out.append(f"| {fam} | " + ", ".join(f"{p} {parts[(fam, p)]}" for p in ps) + " |")
    return "\n".join(out)


def load(path):
    rows, err = [], []
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as e:
            err.append(f"{path.name} line {i}: {e}")
    return rows, err


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--readme", action="store_true", help="rewrite the counts_b3 section of README.md")
    ap.add_argument("--yaml", type=pathlib.Path, default=DEFAULT_YAML)
    args = ap.parse_args()
    ref = load_yaml(args.yaml)
    rows, err = load(DATA)
    older = []
    for path in OLDER:
        more, e = load(path)
        older += more
        err += e
    err += validate(rows, ref, older)
    md = counts_markdown(rows, ref)
    print(md)
    if err:
        print(f"\n{len(err)} problem(s):", *err, sep="\n  ")
        sys.exit(1)
    print("\nOK: petitions_b3.jsonl is valid")
    if args.readme:
        text = README.read_text(encoding="utf-8")
        if START not in text:
            sys.exit("README.md has no counts_b3 markers")
        head, rest = text.split(START, 1)
        _, tail = rest.split(END, 1)
        README.write_text(head + START + "\n" + md + "\n" + END + tail, encoding="utf-8")
        print("README.md counts_b3 section rewritten")


if __name__ == "__main__":
    main()
