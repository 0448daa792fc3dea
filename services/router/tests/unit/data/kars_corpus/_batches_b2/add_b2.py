#!/usr/bin/env python3
"""Builds petitions_b2.jsonl from the hand-written batch files bNN.txt in this folder (stdlib only).

Each non-empty line of a batch that does not start with '#':
    EXP|ROLE|TOPIC|TYPE|DIST|CHAN|STYLE|FLAGS|TEXT
EXP   institution code or alias; '?' = unclear (clear=false, expected ACIKKAPI)
ROLE  role-part key of EXP (see ROLE_PARTS) or '-' (unclear)
TOPIC VH YY EG SA UL CH SH CS EM TH DG   (as the citizen picked it)
TYPE  I S O B H T  (ISTEK SIKAYET ONERI_GORUS BILGI_EDINME IHBAR TESEKKUR)
DIST  MRK AKY ARP DIG KAG SAR SEL SUS
CHAN  W M H D P E  (WEB MOBILE HALK_GUNU DESK PHONE EMAIL)
STYLE see STYLES
FLAGS comma list: w (topic deliberately wrong) ; a:CODE (second subject's institution) ;
      m:CODE (a passing mention that could mislead a keyword matcher towards CODE)
TEXT  the petition. Style 'nt' texts are folded to ASCII and 'ac' texts are upper-cased (Turkish rules)
      here, so the writer types them naturally.

Batches are processed in file-name order; ids q0001… follow the writing order. Every run rebuilds the
whole file (appending each batch after validating it), so it is re-runnable; a new row starts as 'train', an
existing id keeps its set, and ../make_split_b2.py then assigns the split; ../check_corpus_b2.py validates.
"""

import difflib
import json
import pathlib
import re
import sys

HERE = pathlib.Path(__file__).resolve().parent
CORPUS = HERE.parent
YAML = pathlib.Path("/work/shared/domain/kars-institutions.yaml")

TOPICS = dict(
    VH="VALILIK_HIZMETLERI",
    YY="YEREL_YONETIMLER",
    EG="EGITIM",
    SA="SAGLIK",
    UL="ULASIM",
    CH="CALISMA_HAYATI",
    SH="SOSYAL_HIZMETLER",
    CS="CEVRE_SEHIRCILIK",
    EM="EMNIYET_GUVENLIK",
    TH="TARIM_HAYVANCILIK",
    DG="DIGER",
)
TYPES = dict(I="ISTEK", S="SIKAYET", O="ONERI_GORUS", B="BILGI_EDINME", H="IHBAR", T="TESEKKUR")
DISTS = dict(
    MRK="MERKEZ",
    AKY="AKYAKA",
    ARP="ARPACAY",
    DIG="DIGOR",
    KAG="KAGIZMAN",
    SAR="SARIKAMIS",
    SEL="SELIM",
    SUS="SUSUZ",
)
CHANS = dict(W="WEB", M="MOBILE", H="HALK_GUNU", D="DESK", P="PHONE", E="EMAIL")
STYLES = dict(
    pl="plain",
    fo="formal_letter",
    lr="long_rambling",
    vs="very_short",
    ac="all_caps",
    nt="no_turkish_letters",
    pt="phone_typos",
    dc="dialect_colloquial",
    wt="wrong_topic",
    ts="two_subjects",
    th="thanks",
    q="question",
    pm="passing_mention",
)
ALIASES = dict(
    VAL="VALILIK",
    IOI="IL_OZEL_IDARE",
    SAG="SAGLIK",
    KAU="KAFKAS_UNIVERSITESI",
    ISK="ISKUR",
    KGM="KARAYOLLARI",
    TAR="TARIM",
    CEV="CEVRE",
    EMN="EMNIYET",
    JAN="JANDARMA",
    NUF="NUFUS",
    MUF="MUFTULUK",
    KUL="KULTUR_TURIZM",
    TIC="TICARET",
    ARAS="ARAS_EDAS",
    BL_KARS="BELEDIYE_KARS",
)
for short, full in DISTS.items():
    if full != "MERKEZ":
        ALIASES["KY_" + short] = "KAYMAKAMLIK_" + full
        ALIASES["BL_" + short] = "BELEDIYE_" + full

sys.dont_write_bytecode = True
sys.path.insert(0, str(CORPUS))
from check_corpus_b2 import ROLE_PARTS, fold, role_family  # one definition of the role parts  # noqa: E402


def yaml_codes(path=YAML):
    return re.findall(r"\{code: ([A-Z_]+),", path.read_text(encoding="utf-8"))


TR_UP = str.maketrans({"i": "İ", "ı": "I"})


def tr_upper(s):
    return s.translate(TR_UP).upper()


def norm(s):  # for near-duplicate comparison
    return re.sub(r"\s+", " ", re.sub(r"[^\w ]", " ", fold(s).lower())).strip()


def resolve(code, codes):
    code = ALIASES.get(code, code)
    if code not in codes:
        raise ValueError(f"unknown institution code {code!r}")
    return code


def parse_line(line, codes):
    parts = line.split("|", 8)
    if len(parts) != 9:
        raise ValueError(f"expected 9 fields, got {len(parts)}")
    exp, role, topic, typ, dist, chan, style, flags, text = (p.strip() for p in parts)
    row = {}
    unclear = exp == "?"
    expected = "ACIKKAPI" if unclear else resolve(exp, codes)
    style_full = STYLES[style]
    if style == "nt":
        text = fold(text)
    elif style == "ac":
        text = tr_upper(text)
    row.update(
        text=text,
        topic=TOPICS[topic],
        type=TYPES[typ],
        district=DISTS[dist],
        channel=CHANS[chan],
        expected=expected,
        clear=not unclear,
        style=style_full,
    )
    also, mention, wrong = [], [], False
    for f in filter(None, (x.strip() for x in flags.split(","))):
        if f == "w":
            wrong = True
        elif f.startswith("a:"):
            also.append(resolve(f[2:], codes))
        elif f.startswith("m:"):
            mention.append(resolve(f[2:], codes))
        else:
            raise ValueError(f"unknown flag {f!r}")
    if unclear:
        if role != "-":
            raise ValueError("unclear rows take role '-'")
    else:
        fam = role_family(expected)
        if role not in ROLE_PARTS[fam]:
            raise ValueError(f"role part {role!r} not in {fam}: {ROLE_PARTS[fam]}")
        row["role_part"] = role
    if wrong:
        row["topic_wrong"] = True
    if style == "wt" and not wrong:
        raise ValueError("style wrong_topic needs flag w")
    if style == "ts" and not also:
        raise ValueError("style two_subjects needs a:CODE")
    if style == "pm" and not mention:
        raise ValueError("style passing_mention needs m:CODE")
    if also:
        row["also"] = also
    if mention:
        row["mention"] = mention
    if expected in also or expected in mention:
        raise ValueError("expected code repeated in also/mention")
    if style == "th" and typ != "T":
        raise ValueError("style thanks needs type T")
    if style == "nt" and re.search("[çğıöşüÇĞİÖŞÜ]", text):
        raise ValueError("Turkish letters left in a no_turkish_letters text")
    return row


def main():
    codes = set(yaml_codes())
    old = [json.loads(line) for line in (CORPUS / "petitions.jsonl").open(encoding="utf-8")]
    seen = [(o["id"], norm(o["text"])) for o in old]
    out, errors = [], 0
    for batch in sorted(HERE.glob("b[0-9][0-9].txt")):
        n0 = len(out)
        for lineno, line in enumerate(batch.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            where = f"{batch.name}:{lineno}"
            try:
                row = parse_line(line, codes)
            except (ValueError, KeyError) as e:
                print(f"{where}: {e!r}: {line[:80]}")
                errors += 1
                continue
            key = norm(row["text"])
            sm = difflib.SequenceMatcher(None, autojunk=False)
            sm.set_seq2(key)
            for other_id, other in seen:
                sm.set_seq1(other)
                if sm.real_quick_ratio() > 0.9 and sm.quick_ratio() > 0.9 and sm.ratio() > 0.9:
                    print(f"{where}: near-duplicate of {other_id} ({sm.ratio():.2f}): {row['text'][:70]}")
                    errors += 1
                    break
            rid = f"q{len(out) + 1:04d}"
            seen.append((rid, key))
            out.append({"id": rid, **row, "set": "train"})
        print(f"{batch.name}: {len(out) - n0} petitions")
    if errors:
        sys.exit(f"{errors} error(s); petitions_b2.jsonl not written")
    order = ["id", "text", "topic", "type", "district", "channel", "expected", "clear", "style", "set"]
    prev = {}
    dest = CORPUS / "petitions_b2.jsonl"
    if dest.exists():  # keep an already assigned split; make_split_b2.py recomputes it anyway
        prev = {r["id"]: r["set"] for r in map(json.loads, dest.open(encoding="utf-8"))}
    with dest.open("w", encoding="utf-8") as f:
        for row in out:
            row["set"] = prev.get(row["id"], row["set"])
            ordered = {k: row[k] for k in order}
            ordered.update({k: v for k, v in row.items() if k not in ordered})
            f.write(json.dumps(ordered, ensure_ascii=False) + "\n")
    print(f"wrote {len(out)} petitions to {dest.name}")


if __name__ == "__main__":
    main()
