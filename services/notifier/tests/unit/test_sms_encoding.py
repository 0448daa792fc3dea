"""Choosing the cheapest SMS encoding and counting segments at every boundary."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notifier.domain.encoding import analyse, count_parts, prepare_text
from notifier.domain.gsm_alphabet import (
    GSM7_BASIC,
    GSM7_DEFAULT_EXTENSION,
    GSM7_TURKISH_SINGLE_SHIFT,
)

TURKISH_ONLY = "çğĞıİşŞ"
EMOJI = "\U0001f600"


def test_plain_latin_text_is_gsm7() -> None:
    result = analyse("Kars Valiligi")
    assert (result.encoding, result.segments, result.units) == ("GSM7", 1, 13)


@pytest.mark.parametrize("letter", list("ÇöüÖÜ"))
def test_turkish_letters_of_the_default_alphabet_stay_gsm7(letter: str) -> None:
    assert analyse(f"G{letter}l").encoding == "GSM7"


@pytest.mark.parametrize("letter", list(TURKISH_ONLY))
def test_turkish_letters_outside_the_default_alphabet_use_the_single_shift(letter: str) -> None:
    result = analyse(f"a{letter}")
    assert (result.encoding, result.units) == ("GSM7_TR", 3)


@pytest.mark.parametrize("char", list("^{}\\[~]|€\f"))
def test_default_extension_characters_cost_two_septets_and_stay_gsm7(char: str) -> None:
    result = analyse(char)
    assert (result.encoding, result.units) == ("GSM7", 2)


def test_turkish_single_shift_still_holds_every_default_extension_character() -> None:
    assert GSM7_DEFAULT_EXTENSION <= GSM7_TURKISH_SINGLE_SHIFT
    assert analyse("ş^{}\\[~]|€").encoding == "GSM7_TR"


@pytest.mark.parametrize("letter", list("âîûÂÎÛ"))
def test_circumflex_letters_need_ucs2_unless_transliterated(letter: str) -> None:
    assert analyse(f"ş{letter}").encoding == "UCS2"
    assert analyse(f"ş{letter}", transliterate_circumflex=True).encoding == "GSM7_TR"
    assert analyse(f"s{letter}", transliterate_circumflex=True).encoding == "GSM7"


def test_transliteration_maps_circumflexes_to_plain_vowels() -> None:
    assert prepare_text("Şikâyet, İnkılâp, Hûkûmet", transliterate_circumflex=True) == (
        "Şikayet, İnkılap, Hukumet"
    )


def test_typographic_marks_become_gsm_characters() -> None:
    prepared = prepare_text("“Yol” – kapalı… ‘evet’", transliterate_circumflex=False)
    assert prepared == "\"Yol\" - kapalı... 'evet'"
    assert analyse("“Yol” – kapalı…").encoding == "GSM7_TR"


def test_decomposed_letters_are_composed_before_choosing() -> None:
    assert analyse("s\u0327").encoding == "GSM7_TR"  # s + combining cedilla = ş


@pytest.mark.parametrize(
    ("length", "segments"),
    [(0, 0), (1, 1), (160, 1), (161, 2), (306, 2), (307, 3), (459, 3), (460, 4)],
)
def test_gsm7_boundaries(length: int, segments: int) -> None:
    result = analyse("a" * length)
    assert (result.encoding, result.segments, result.units) == ("GSM7", segments, length)


def test_escape_pair_completing_the_single_segment_fits() -> None:
    assert analyse("a" * 158 + "€").segments == 1  # 160 septets


def test_escape_pair_crossing_the_single_limit_makes_two_segments() -> None:
    assert analyse("a" * 159 + "€").segments == 2  # 161 septets


def test_escape_pair_is_never_split_across_parts() -> None:
    # 152 + 2 = 154 > 153: the pair moves to part 2, which then holds 1 + 2 + 150 = 153.
    assert analyse("a" * 152 + "€" + "a" * 151).segments == 2
    assert analyse("a" * 152 + "€" + "a" * 152).segments == 3
    # Without the escape pair the same septet count fills exactly two parts.
    assert analyse("a" * 306).segments == 2


@pytest.mark.parametrize(
    ("text", "segments"),
    [
        ("ş" * 77, 1),  # 154 septets <= 155
        ("ş" + "a" * 153, 1),  # 155 septets
        ("ş" + "a" * 154, 2),  # 156 septets
        ("ş" + "a" * 296, 2),  # 298 = 2 * 149
        ("ş" + "a" * 297, 3),
        ("a" * 148 + "ş" + "a" * 149, 3),  # the pair at 149/150 moves to part 2
    ],
)
def test_turkish_single_shift_boundaries(text: str, segments: int) -> None:
    result = analyse(text)
    assert (result.encoding, result.segments) == ("GSM7_TR", segments)


@pytest.mark.parametrize(("length", "segments"), [(70, 1), (71, 2), (134, 2), (135, 3), (201, 3), (202, 4)])
def test_ucs2_boundaries(length: int, segments: int) -> None:
    result = analyse("â" * length)
    assert (result.encoding, result.segments, result.units) == ("UCS2", segments, length)


def test_emoji_counts_two_utf16_units() -> None:
    assert analyse(EMOJI * 35).units == 70
    assert analyse(EMOJI * 35).segments == 1
    assert analyse(EMOJI * 35 + "a").segments == 2


def test_surrogate_pair_is_never_split_across_parts() -> None:
    # 66 units + a pair = 68 > 67: the emoji opens part 2.
    assert analyse("â" * 66 + EMOJI + "â" * 65).segments == 2
    assert analyse("â" * 66 + EMOJI + "â" * 66).segments == 3
    assert analyse("â" * 134).segments == 2


def test_count_parts_never_splits_an_item() -> None:
    assert count_parts([1, 2], 2) == 2
    assert count_parts([2, 2, 2], 4) == 2
    assert count_parts([], 153) == 0


texts = st.text(
    alphabet=st.sampled_from([*sorted(GSM7_BASIC | GSM7_TURKISH_SINGLE_SHIFT), "â", "î", EMOJI, "\u4e2d"]),
    max_size=400,
)


@given(texts, texts)
def test_segments_never_decrease_when_text_is_appended(head: str, tail: str) -> None:
    assert analyse(head).segments <= analyse(head + tail).segments


@given(st.text(alphabet=st.sampled_from(sorted(GSM7_BASIC | GSM7_DEFAULT_EXTENSION))))
def test_text_that_fits_gsm7_is_always_sent_as_gsm7(text: str) -> None:
    assert analyse(text).encoding == "GSM7"


@given(st.text(alphabet=st.sampled_from(sorted(GSM7_BASIC | GSM7_TURKISH_SINGLE_SHIFT))))
def test_gsm_representable_text_never_falls_back_to_ucs2(text: str) -> None:
    result = analyse(text)
    assert result.encoding != "UCS2"
    # Every such character is one UTF-16 unit, so UCS-2 would need this many parts.
    ucs2_parts = 0 if not text else 1 if len(text) <= 70 else -(-len(text) // 67)
    assert result.segments <= ucs2_parts


@given(texts)
def test_transliteration_never_costs_more(text: str) -> None:
    assert analyse(text, transliterate_circumflex=True).segments <= analyse(text).segments


@given(texts)
def test_prepare_text_is_idempotent(text: str) -> None:
    once = prepare_text(text, transliterate_circumflex=True)
    assert prepare_text(once, transliterate_circumflex=True) == once


def _reference(text: str, transliterate_circumflex: bool = False) -> tuple[str, int, int]:
    """The encoding as first written: str.translate, one cost per character, count_parts."""
    prepared = unicodedata.normalize("NFC", text).translate(
        str.maketrans(
            {
                "\u2026": "...", "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201c": '"',
                "\u201d": '"', "\u201e": '"', "\u2013": "-", "\u2014": "-", "\u2212": "-",
                "\u00a0": " ", "\u202f": " ", "\u2009": " ", "\t": " ",
            }
        )
    )  # fmt: skip
    if transliterate_circumflex:
        prepared = prepared.translate(str.maketrans("âîûÂÎÛ", "aiuAIU"))
    limits = {"GSM7": (160, 153), "GSM7_TR": (155, 149), "UCS2": (70, 67)}
    name, costs = "UCS2", [2 if ord(char) > 0xFFFF else 1 for char in prepared]
    for table, extension in (("GSM7", GSM7_DEFAULT_EXTENSION), ("GSM7_TR", GSM7_TURKISH_SINGLE_SHIFT)):
        if all(char in GSM7_BASIC or char in extension for char in prepared):
            name, costs = table, [1 if char in GSM7_BASIC else 2 for char in prepared]
            break
    single, per_part = limits[name]
    units = sum(costs)
    segments = (1 if units else 0) if units <= single else count_parts(costs, per_part)
    return name, segments, units


_ALPHABET = "".join(sorted(GSM7_BASIC | GSM7_TURKISH_SINGLE_SHIFT)) + "âîûÂÎÛ…“”–\u00a0\t" + EMOJI + "ж"


@given(st.text(alphabet=_ALPHABET, max_size=700), st.booleans())
def test_the_fast_analysis_matches_the_reference_one(text: str, transliterate: bool) -> None:
    result = analyse(text, transliterate_circumflex=transliterate)
    assert (result.encoding, result.segments, result.units) == _reference(text, transliterate)


@given(st.text(alphabet="a€şİ", min_size=140, max_size=700))
def test_escape_pairs_at_part_boundaries_match_the_reference(text: str) -> None:
    result = analyse(text)
    assert (result.encoding, result.segments, result.units) == _reference(text)
