"""Resolves the topic, type, district or channel a citizen or portal sent to a reference code."""

from __future__ import annotations

import re
from collections.abc import Mapping

from acikkapi_shared.reference import ReferenceData
from acikkapi_shared.turkish import search_key
from intake.domain.problems import FieldInvalid, problem

# field -> (problem code when unknown, attribute of ReferenceData)
_LISTS: dict[str, tuple[str, str]] = {
    "topic": ("TOPIC_UNKNOWN", "topics"),
    "type": ("TYPE_UNKNOWN", "types"),
    "district": ("DISTRICT_UNKNOWN", "districts"),
    "channel": ("CHANNEL_UNKNOWN", "channels"),
}
_SEPARATOR_RUN = re.compile(r"[\s_\-]+")


def match_key(text: str) -> str:
    """Returns the key codes and names are matched by: "Şikâyet", "SIKAYET" -> "sikayet"."""
    return _SEPARATOR_RUN.sub("_", search_key(text).strip())


def build_index(options: Mapping[str, str]) -> dict[str, str]:
    """Returns match key -> code for every code and display name; ValueError on an ambiguous key."""
    index: dict[str, str] = {}
    for code, name in options.items():
        for key in {match_key(code), match_key(name)}:
            if index.get(key, code) != code:
                raise ValueError(f"{key!r} matches both {index[key]} and {code}")
            index[key] = code
    return index


# One index per list of options, built once: the lists are fixed for a process's life.
_INDEXES: dict[int, tuple[Mapping[str, str], dict[str, str]]] = {}


def _index_of(options: Mapping[str, str]) -> dict[str, str]:
    known = _INDEXES.get(id(options))
    if known is None or known[0] is not options:  # keeping options alive keeps its id unique
        known = (options, build_index(options))
        _INDEXES[id(options)] = known
    return known[1]


def resolve_code(value: str, *, field: str, reference: ReferenceData) -> str:
    """Returns the code matching value (code or Turkish name, any case); FieldInvalid if none."""
    unknown_code, attribute = _LISTS[field]
    options: Mapping[str, str] = getattr(reference, attribute)
    if not isinstance(value, str) or not value.strip():
        raise FieldInvalid(problem("FIELD_MISSING", field))
    code = _index_of(options).get(match_key(value))
    if code is None:
        raise FieldInvalid(problem(unknown_code, field))
    return code
