#!/usr/bin/env python3
"""Validator for petitions_b2.jsonl, the second independent Kars corpus (stdlib only).

    python3 check_corpus_b2.py            # validate, print the counts
    python3 check_corpus_b2.py --readme   # validate and rewrite the counts_b2 section of README.md
    python3 check_corpus_b2.py --yaml PATH  # reference data (default: the shared kars-institutions.yaml)

Checks: every line parses and has the fields; ids q0001… unique and in order; every code (expected, also,
mention, topic, type, district, channel) exists in the yaml; clear=false ⇒ expected=ACIKKAPI; every clear
petition names a role part of its institution (the yaml role texts cut into parts, see ROLE_PARTS) and every
part is covered ≥ 2 times; every institution ≥ 15 clear petitions; every district present; style rules
(no Turkish letters, all caps, 3–8 words for very short, wrong topic ⇒ topic_wrong, two subjects ⇒ also,
passing mention ⇒ mention, thanks ⇒ TESEKKUR, question ⇒ '?'); ≥ 25 % with a misleading mention; unclear share
10–14 %; no text equal or near-equal (difflib ratio > 0.9 after folding) to another here or in
petitions.jsonl; nothing that looks like a TC Kimlik or phone number; split 900 train / 300 test2 with every
institution in both parts at ≈ 25 % test2.
"""

import argparse
import collections
import difflib
import json
import pathlib
import re
import statistics
import sys
import unicodedata

HERE = pathlib.Path(__file__).resolve().parent
DEFAULT_YAML = pathlib.Path("/work/shared/domain/kars-institutions.yaml")
DATA = HERE / "petitions_b2.jsonl"
OLD = HERE / "petitions.jsonl"
README = HERE / "README.md"
START, END = "<!-- counts_b2:start -->", "<!-- counts_b2:end -->"

FIELDS = ["id", "text", "topic", "type", "district", "channel", "expected", "clear", "style", "set"]
OPTIONAL = {"role_part", "topic_wrong", "also", "mention"}
STYLES = [
    "plain",
    "formal_letter",
    "long_rambling",
    "very_short",
    "all_caps",
    "no_turkish_letters",
    "phone_typos",
    "dialect_colloquial",
    "wrong_topic",
    "two_subjects",
    "thanks",
    "question",
    "passing_mention",
]
SETS = {"train": 900, "test2": 300}

MUNICIPAL = ["streets", "water_sewer", "garbage", "parks", "zoning", "buses", "stray_animals"]
# The yaml role texts cut into parts (the writer's reading). District municipalities take
# BELEDIYE_KARS's parts;
# kaymakamlıklar have no role text in the yaml and get one writer-defined part.
ROLE_PARTS = {
    "ACIKKAPI": ["review"],
    "VALILIK": ["governorship_services", "coordination"],
    "KAYMAKAMLIK": ["district_governorship"],
    "BELEDIYE": MUNICIPAL,
    "IL_OZEL_IDARE": ["village_roads", "village_snow", "village_water", "village_infra"],
    "MEM": ["schools", "teachers", "pupil_transport", "dormitories"],
    "SAGLIK": ["hospitals", "family_doctors", "ambulance_112", "appointments", "duty_pharmacy"],
    "KAFKAS_UNIVERSITESI": ["university", "research_hospital", "students"],
    "SGK": ["pensions", "premiums", "gss", "uninsured_work"],
    "ISKUR": ["job_seeking", "unemployment_benefit", "typ_iup", "courses"],
    "ASHB": ["elderly", "disabled", "child_protection", "women_shelter", "family_support"],
    "SYDV": ["assistance", "coal", "odam"],
    "KARAYOLLARI": ["highways", "highway_snow", "signs"],
    "DSI": ["dams", "irrigation", "flood_protection"],
    "TARIM": ["support_payments", "animal_disease", "pastures", "forests"],
    "CEVRE": ["pollution", "building_inspection", "urban_transformation"],
    "EMNIYET": ["city_security", "traffic", "passports", "licences"],
    "JANDARMA": ["village_security", "rural_security"],
    "AFAD": ["disasters", "earthquakes", "floods", "avalanches", "shelter"],
    "NUFUS": ["id_cards", "civil_registry"],
    "TAPU": ["land_titles", "cadastre"],
    "VERGI": ["taxes"],
    "MUFTULUK": ["mosques", "quran_courses", "religious_services"],
    "GSB": ["sports_facilities", "youth_centres"],
    "KULTUR_TURIZM": ["museums", "ani", "libraries", "tourism"],
    "TICARET": ["consumer", "prices", "cooperatives"],
    "ARAS_EDAS": ["outages", "connections", "meters"],
    "TCDD": ["trains", "dogu_ekspresi", "turistik_dogu_ekspresi"],
    "DHMI": ["airport"],
}
ASCII = str.maketrans("çğıöşüâîûÇĞİÖŞÜÂÎÛ", "cgiosuaiuCGIOSUAIU")


def role_family(code):
    for fam in ("KAYMAKAMLIK", "BELEDIYE"):
        if code.startswith(fam + "_"):
            return fam
    return code


def load_yaml(path):
    """The few things needed from the yaml, read with regular expressions (no PyYAML)."""
    text = path.read_text(encoding="utf-8")

    def block(name):
        m = re.search(rf"^{name}:\n((?:  .*\n)+)", text, re.M)
        return re.findall(r"^  ([A-Z_]+):", m.group(1), re.M) if m else []

    return {
        "institutions": re.findall(r"\{code: ([A-Z_]+),", text),
        "districts": re.search(r"^districts: \[(.*)\]", text, re.M).group(1).replace(" ", "").split(","),
        "topics": block("topics"),
        "types": block("types"),
        "channels": block("channels"),
    }


def fold(s):
    return unicodedata.normalize("NFC", s).translate(ASCII)


def norm(s):
    return re.sub(r"\s+", " ", re.sub(r"[^\w ]", " ", fold(s).lower())).strip()


def tr_upper(s):
    return s.translate(str.maketrans({"i": "İ", "ı": "I"})).upper()


def near_duplicates(texts, old_texts):
    """(id, other_id, ratio) for every pair with ratio > 0.9 (new against new and old)."""
    seen, found = list(old_texts), []
    for rid, t in texts:
        sm = difflib.SequenceMatcher(None, autojunk=False)
        sm.set_seq2(t)
        for oid, o in seen:
            sm.set_seq1(o)
            if sm.real_quick_ratio() > 0.9 and sm.quick_ratio() > 0.9 and sm.ratio() > 0.9:
                found.append((rid, oid, round(sm.ratio(), 3)))
        seen.append((rid, t))
    return found


def validate(rows, ref, old_rows):
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
        if rid != f"q{i:04d}":
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
        if r["set"] not in SETS:
            err.append(f"{rid}: set {r['set']!r}")
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
    # duplicates
    texts = [(r["id"], norm(r["text"])) for r in rows]
    for a, b, ratio in near_duplicates(texts, [(o["id"], norm(o["text"])) for o in old_rows]):
        err.append(f"{a}: near-duplicate of {b} ({ratio})")
    # coverage
    clear = collections.Counter(r["expected"] for r in rows if r["clear"])
    for c in codes - {"ACIKKAPI"}:
        if clear[c] < 15:
            err.append(f"{c}: only {clear[c]} clear petitions (< 15)")
    parts = collections.Counter((role_family(r["expected"]), r["role_part"]) for r in rows if r["clear"])
    for fam, ps in ROLE_PARTS.items():
        for p in ps:
            if parts[(fam, p)] < 2:
                err.append(f"role part {fam}/{p}: {parts[(fam, p)]} petitions (< 2)")
    for d in ref["districts"]:
        if not any(r["district"] == d for r in rows):
            err.append(f"district {d} absent")
    n = len(rows)
    if sum(1 for r in rows if r.get("mention")) < 0.25 * n:
        err.append("fewer than 25 % of petitions carry a misleading mention")
    unclear = sum(1 for r in rows if not r["clear"])
    if not 0.10 * n <= unclear <= 0.14 * n:
        err.append(f"unclear share {unclear}/{n} outside 10–14 %")
    sets = collections.Counter(r["set"] for r in rows)
    if dict(sets) != SETS:
        err.append(f"split {dict(sets)} is not {SETS}")
    by = collections.defaultdict(collections.Counter)
    for r in rows:
        by[r["expected"]][r["set"]] += 1
    for c, cnt in by.items():
        tot = sum(cnt.values())
        if not cnt["train"] or not cnt["test2"] or abs(cnt["test2"] - 0.25 * tot) > 1.5:
            err.append(f"{c}: split train {cnt['train']} / test2 {cnt['test2']} is not ≈ 25 % test2")
    return err


def counts_markdown(rows, ref):
    n = len(rows)
    unclear = sum(1 for r in rows if not r["clear"])
    clear_office = sum(1 for r in rows if r["clear"] and r["expected"] == "ACIKKAPI")
    sets = collections.Counter(r["set"] for r in rows)
    words = [len(r["text"].split()) for r in rows]
    mention = sum(1 for r in rows if r.get("mention"))
    out = [
        f"- petitions: {n}; unclear (clear=false, expected ACIKKAPI): {unclear} ({100 * unclear / n:.1f}%); "
        f"clear ACIKKAPI (the office's own review role): {clear_office}",
        f"- split: train {sets['train']} ({100 * sets['train'] / n:.1f}%), test2 {sets['test2']} "
        f"({100 * sets['test2'] / n:.1f}%)",
        f"- with a misleading passing mention (`mention`): {mention} ({100 * mention / n:.1f}%); "
        f"topic_wrong: {sum(1 for r in rows if r.get('topic_wrong'))}; with `also`: "
        f"{sum(1 for r in rows if r.get('also'))}",
        f"- words per petition: min {min(words)}, median {statistics.median(words):g}, max {max(words)}",
        "",
        "| expected | total | clear | train | test2 |",
        "|---|---|---|---|---|",
    ]
    for c in ref["institutions"]:
        rs = [r for r in rows if r["expected"] == c]
        out.append(
            f"| {c} | {len(rs)} | {sum(r['clear'] for r in rs)} | "
            f"{sum(r['set'] == 'train' for r in rs)} | {sum(r['set'] == 'test2' for r in rs)} |"
        )

    def table(title, key, order):
        c = collections.Counter(key(r) for r in rows)
        t = collections.Counter(key(r) for r in rows if r["set"] == "test2")
        return ["", f"| {title} | n | test2 |", "|---|---|---|"] + [
            f"| {k} | {c[k]} | {t[k]} |" for k in order if c[k]
        ]

    out += table("style", lambda r: r["style"], STYLES)
    out += table("district", lambda r: r["district"], ref["districts"])
    out += table("type", lambda r: r["type"], ref["types"])
    out += table("channel", lambda r: r["channel"], ref["channels"])
    out += table("topic (as chosen)", lambda r: r["topic"], ref["topics"])
    parts = collections.Counter((role_family(r["expected"]), r["role_part"]) for r in rows if r["clear"])
    out += ["", "| role part (clear petitions) | n |", "|---|---|"]
    for fam, ps in ROLE_PARTS.items():
        out.append(f"| {fam} | " + ", ".join(f"{p} {parts[(fam, p)]}" for p in ps) + " |")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--readme", action="store_true", help="rewrite the counts_b2 section of README.md")
    ap.add_argument("--yaml", type=pathlib.Path, default=DEFAULT_YAML)
    args = ap.parse_args()
    ref = load_yaml(args.yaml)
    rows, err = [], []
    for i, line in enumerate(DATA.read_text(encoding="utf-8").splitlines(), 1):
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as e:
            err.append(f"line {i}: {e}")
    old = [json.loads(line) for line in OLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    err += validate(rows, ref, old)
    md = counts_markdown(rows, ref)
    print(md)
    if err:
        print(f"\n{len(err)} problem(s):", *err, sep="\n  ")
        sys.exit(1)
    print("\nOK: petitions_b2.jsonl is valid")
    if args.readme:
        text = README.read_text(encoding="utf-8")
        if START not in text:
            sys.exit("README.md has no counts_b2 markers")
        head, rest = text.split(START, 1)
        _, tail = rest.split(END, 1)
        README.write_text(head + START + "\n" + md + "\n" + END + tail, encoding="utf-8")
        print("README.md counts_b2 section rewritten")


if __name__ == "__main__":
    main()
