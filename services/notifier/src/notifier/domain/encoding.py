"""Choosing the cheapest SMS encoding for a text and counting its segments exactly."""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import accumulate
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


def _replacements(mapping: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """Returns the mapping as (character, replacement) pairs for _replace_each."""
    pairs = tuple(mapping.items())
    # Replacing one character after another equals str.translate only if no replacement holds a
    # character that is itself replaced.
    if any(old in new for old, _ in pairs for _, new in pairs):
        raise ValueError("a replacement holds a replaced character")
    return pairs


_TYPOGRAPHIC_PAIRS = _replacements(_TYPOGRAPHIC)
_CIRCUMFLEX_PAIRS = _replacements({"â": "a", "î": "i", "û": "u", "Â": "A", "Î": "I", "Û": "U"})


def _replace_each(text: str, pairs: tuple[tuple[str, str], ...]) -> str:
    """Returns text.translate of the pairs' table: str.translate with a dict looks every character
    up in Python objects (23 µs for a 240-character SMS in Turkish); these few characters are rare,
    and looking for each one is a C search of the string."""
    for old, new in pairs:
        if old in text:
            text = text.replace(old, new)
    return text


@dataclass(frozen=True)
class SmsEncoding:
    """How a text travels as SMS: its encoding, the number of parts and the units it occupies."""

    encoding: EncodingName
    segments: int
    units: int


def prepare_text(text: str, *, transliterate_circumflex: bool) -> str:
    """Returns the text to send: NFC, typographic marks made GSM, â î û optionally folded."""
    prepared = _replace_each(unicodedata.normalize("NFC", text), _TYPOGRAPHIC_PAIRS)
    if transliterate_circumflex:
        prepared = _replace_each(prepared, _CIRCUMFLEX_PAIRS)
    return prepared


def gsm_free_text(text: str) -> str:
    """Returns someone's free text (an institution's question, an answer, a reason) as an SMS can carry
    it in GSM-7 with the Turkish shift: prepared, â î û folded ("şikâyet" → "şikayet"), and what no GSM
    table holds (an emoji) left out. One such character would make the whole SMS UCS-2, a third as
    many characters per segment, and the text would be cut to a few words to keep the budget."""
    return _NOT_GSM_TR.sub("", prepare_text(" ".join(text.split()), transliterate_circumflex=True))


def _outside(table: frozenset[str]) -> re.Pattern[str]:
    """Returns a pattern finding a character that is not in the table."""
    return re.compile("[^" + "".join(re.escape(char) for char in sorted(table)) + "]")


_GsmTable = tuple[EncodingName, re.Pattern[str], dict[str, int]]


def _gsm_table(encoding: EncodingName, extension: frozenset[str]) -> _GsmTable:
    """Returns the table's name, the pattern of a character it cannot send and the septets of each
    it can (a character of the basic table costs 1 even if the extension holds it too)."""
    septets = {**dict.fromkeys(extension, 2), **dict.fromkeys(GSM7_BASIC, 1)}
    return encoding, _outside(GSM7_BASIC | extension), septets


_GSM_TABLES = (_gsm_table("GSM7", GSM7_DEFAULT_EXTENSION), _gsm_table("GSM7_TR", GSM7_TURKISH_SINGLE_SHIFT))
_NOT_GSM_TR = _outside(GSM7_BASIC | GSM7_TURKISH_SINGLE_SHIFT)


def analyse(text: str, *, transliterate_circumflex: bool = False) -> SmsEncoding:
    """Returns the cheapest encoding of prepare_text(text) with exact segment and unit counts."""
    prepared = prepare_text(text, transliterate_circumflex=transliterate_circumflex)
    for encoding, outside, septets in _GSM_TABLES:
        if outside.search(prepared) is None:
            return _measure_totals(encoding, list(accumulate(map(septets.__getitem__, prepared))))
    return _measure("UCS2", _utf16_costs(prepared))


def _utf16_costs(text: str) -> list[int]:
    """Returns the UTF-16 code units of each character (2 for a surrogate pair)."""
    return [2 if ord(char) > 0xFFFF else 1 for char in text]


def _measure_totals(encoding: EncodingName, totals: list[int]) -> SmsEncoding:
    """Returns the encoding with its segment count from the running totals of the per-character
    costs (each at least 1): the same as _measure, with each part found by a bisection instead of a
    Python step per character."""
    units = totals[-1] if totals else 0
    limits = LIMITS[encoding]
    if units <= limits.single:
        return SmsEncoding(encoding=encoding, segments=1 if units else 0, units=units)
    parts, start, before, capacity = 0, 0, 0, limits.per_part
    while start < len(totals):
        # The part takes characters while their total fits (count_parts' greedy rule), at least one.
        end = max(bisect_right(totals, before + capacity), start + 1)
        parts += 1
        before, start = totals[end - 1], end
    return SmsEncoding(encoding=encoding, segments=parts, units=units)


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
