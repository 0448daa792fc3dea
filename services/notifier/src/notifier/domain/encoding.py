"""Choosing the cheapest SMS encoding for a text and counting its segments exactly."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from notifier.domain.gsm_alphabet import (
    GSM7_BASIC,
    GSM7_DEFAULT_EXTENSION,
    GSM7_TURKISH_SINGLE_SHIFT,
)

EncodingName = Literal["GSM7", "GSM7_TR", "UCS2"]


@dataclass(frozen=True)
class SegmentLimits:
    """Capacity of one SMS in units (septets or UTF-16 code units), alone or as part of a chain."""

    single: int
    per_part: int


# A multi-part message spends 6 octets of user data header on concatenation; the Turkish single
# shift table costs another 3 octets of header, so capacities shrink to whole septets left over.
LIMITS: dict[EncodingName, SegmentLimits] = {
    "GSM7": SegmentLimits(single=160, per_part=153),
    "GSM7_TR": SegmentLimits(single=155, per_part=149),
    "UCS2": SegmentLimits(single=70, per_part=67),
}

# Typographic characters that word processors and phones insert; each has a GSM equivalent, and
# leaving one in would switch the whole message to UCS-2 (70 instead of 160 characters).
_TYPOGRAPHIC = {
    "\u2026": "...",  # horizontal ellipsis
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u2013": "-",  # en dash
    "\u2014": "-",  # em dash
    "\u2212": "-",  # minus sign
    "\u00a0": " ",  # no-break space
    "\u202f": " ",  # narrow no-break space
    "\u2009": " ",  # thin space
    "\t": " ",
}
_TYPOGRAPHIC_TABLE = str.maketrans(_TYPOGRAPHIC)
_CIRCUMFLEX_TABLE = str.maketrans({"â": "a", "î": "i", "û": "u", "Â": "A", "Î": "I", "Û": "U"})


@dataclass(frozen=True)
class SmsEncoding:
    """How a text travels as SMS: its encoding, the number of parts and the units it occupies."""

    encoding: EncodingName
    segments: int
    units: int


def prepare_text(text: str, *, transliterate_circumflex: bool) -> str:
    """Returns the text to send: NFC, typographic marks made GSM, â î û optionally folded."""
    prepared = unicodedata.normalize("NFC", text).translate(_TYPOGRAPHIC_TABLE)
    if transliterate_circumflex:
        prepared = prepared.translate(_CIRCUMFLEX_TABLE)
    return prepared


def analyse(text: str, *, transliterate_circumflex: bool = False) -> SmsEncoding:
    """Returns the cheapest encoding of prepare_text(text) with exact segment and unit counts."""
    prepared = prepare_text(text, transliterate_circumflex=transliterate_circumflex)
    gsm_tables: tuple[tuple[EncodingName, frozenset[str]], ...] = (
        ("GSM7", GSM7_DEFAULT_EXTENSION),
        ("GSM7_TR", GSM7_TURKISH_SINGLE_SHIFT),
    )
    for encoding, extension in gsm_tables:
        costs = _septet_costs(prepared, extension)
        if costs is not None:
            return _measure(encoding, costs)
    return _measure("UCS2", _utf16_costs(prepared))


def _septet_costs(text: str, extension: frozenset[str]) -> list[int] | None:
    """Returns the septets of each character, or None when one fits neither table."""
    costs: list[int] = []
    for char in text:
        if char in GSM7_BASIC:
            costs.append(1)
        elif char in extension:
            costs.append(2)  # escape + code: the pair must stay within one part
        else:
            return None
    return costs


def _utf16_costs(text: str) -> list[int]:
    """Returns the UTF-16 code units of each character (2 for a surrogate pair)."""
    return [2 if ord(char) > 0xFFFF else 1 for char in text]


def _measure(encoding: EncodingName, costs: list[int]) -> SmsEncoding:
    """Returns the encoding with its segment count for these indivisible per-character costs."""
    units = sum(costs)
    limits = LIMITS[encoding]
    if units <= limits.single:
        return SmsEncoding(encoding=encoding, segments=1 if units else 0, units=units)
    return SmsEncoding(encoding=encoding, segments=count_parts(costs, limits.per_part), units=units)


def count_parts(costs: Iterable[int], capacity: int) -> int:
    """Returns how many parts of this capacity hold the costs in order, never splitting one."""
    parts = 0
    used = capacity  # forces a new part for the first item
    for cost in costs:
        if used + cost > capacity:
            parts += 1
            used = 0
        used += cost
    return parts
