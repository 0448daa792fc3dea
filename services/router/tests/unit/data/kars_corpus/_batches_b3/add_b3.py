#!/usr/bin/env python3
"""Builds petitions_b3.jsonl from the hand-written batch files bNN.txt in this folder (stdlib only).

Each non-empty line of a batch that does not start with '#' (the format of _batches_b2/add_b2.py):
    EXP|ROLE|TOPIC|TYPE|DIST|CHAN|STYLE|FLAGS|TEXT
EXP   institution code or alias (see ALIASES); '?' = unclear (clear=false, expected ACIKKAPI)
ROLE  role-part key of EXP (ROLE_PARTS in ../check_corpus_b2.py) or '-' (unclear)
TOPIC VH YY EG SA UL CH SH CS EM TH DG   (as the citizen picked it)
TYPE  I S O B H T  (ISTEK SIKAYET ONERI_GORUS BILGI_EDINME IHBAR TESEKKUR)
DIST  MRK AKY ARP DIG KAG SAR SEL SUS
CHAN  W M H D P E  (WEB MOBILE HALK_GUNU DESK PHONE EMAIL)
STYLE pl fo lr vs ac nt pt dc wt ts th q pm (plain, formal_letter, long_rambling, very_short, all_caps,
      no_turkish_letters, phone_typos, dialect_colloquial, wrong_topic, two_subjects, thanks, question,
      passing_mention)
FLAGS comma list: w (topic deliberately wrong) ; a:CODE (second subject's institution) ;
      m:CODE (a passing mention or place name that could mislead a keyword matcher towards CODE)
TEXT  the petition. 'nt' texts are folded to ASCII and 'ac' texts upper-cased (Turkish rules) here.

Every run validates every batch and rebuilds the whole file (ids r0001… in writing order, all 'train'):
fields, codes against the yaml, role parts, style rules, clear=false ⇒ ACIKKAPI, and no text that
near-duplicates (difflib ratio > 0.9 after folding) one in petitions.jsonl, petitions_b2.jsonl or an
earlier line here. Nothing is written while any line fails. Then run ../check_corpus_b3.py.
"""

import collections
import difflib
import json
import pathlib
import re
import sys

HERE = pathlib.Path(__file__).resolve().parent
CORPUS = HERE.parent
YAML = pathlib.Path("/work/shared/domain/kars-institutions.yaml")
DEST = CORPUS / "petitions_b3.jsonl"

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
    BL_MRK="BELEDIYE_KARS",
)
for short, full in DISTS.items():
    if full != "MERKEZ":
        ALIASES["KY_" + short] = "KAYMAKAMLIK_" + full
        ALIASES["BL_" + short] = "BELEDIYE_" + full

sys.dont_write_bytecode = True
sys.path.insert(0, str(CORPUS))
from check_corpus_b2 import ROLE_PARTS, fold, norm, role_family, tr_upper  # noqa: E402


def yaml_codes(path=YAML):
    return set(re.findall(r"\{code: ([A-Z_]+),", path.read_text(encoding="utf-8")))


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
    unclear = exp == "?"
    expected = "ACIKKAPI" if unclear else resolve(exp, codes)
    if style == "nt":
        text = fold(text)
    elif style == "ac":
        text = tr_upper(text)
    row = dict(
        text=text,
        topic=TOPICS[topic],
        type=TYPES[typ],
        district=DISTS[dist],
        channel=CHANS[chan],
        expected=expected,
        clear=not unclear,
        style=STYLES[style],
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
        row["mention"] = sorted(set(mention), key=mention.index)
    if expected in also or expected in mention:
        raise ValueError("expected code repeated in also/mention")
    if style == "th" and typ != "T":
        raise ValueError("style thanks needs type T")
    if style == "q" and "?" not in text:
        raise ValueError("style question needs a '?'")
    if style == "vs" and not 3 <= len(text.split()) <= 8:
        raise ValueError(f"very_short text has {len(text.split())} words")
    if style == "nt" and re.search("[çğıöşüÇĞİÖŞÜ]", text):
        raise ValueError("Turkish letters left in a no_turkish_letters text")
    if len(text.split()) < 3:
        raise ValueError("text shorter than 3 words")
    return row


def main():
    codes = yaml_codes()
    seen = []
    for name in ("petitions.jsonl", "petitions_b2.jsonl"):
        for line in (CORPUS / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                o = json.loads(line)
                seen.append((o["id"], norm(o["text"])))
    out, errors = [], 0
    for batch in sorted(HERE.glob("b[0-9][0-9].txt")):
        n0, exp = len(out), collections.Counter()
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
            rid = f"r{len(out) + 1:04d}"
            seen.append((rid, key))
            out.append({"id": rid, **row, "set": "train"})
            exp[row["expected"] if row["clear"] else "unclear"] += 1
        print(
            f"{batch.name}: {len(out) - n0} petitions  " + " ".join(f"{k}={v}" for k, v in exp.most_common())
        )
    if errors:
        sys.exit(f"{errors} error(s); petitions_b3.jsonl not written")
    order = ["id", "text", "topic", "type", "district", "channel", "expected", "clear", "style", "set"]
    with DEST.open("w", encoding="utf-8") as f:
        for row in out:
            ordered = {k: row[k] for k in order}
            ordered.update({k: v for k, v in row.items() if k not in ordered})
            f.write(json.dumps(ordered, ensure_ascii=False) + "\n")
    print(f"wrote {len(out)} petitions to {DEST.name}")


if __name__ == "__main__":
    main()
