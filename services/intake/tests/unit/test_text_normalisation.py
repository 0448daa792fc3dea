"""Free text and names: NFC, control characters, whitespace, bounds."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intake.domain.validation import (
    NAME_MAX_LEN,
    TEXT_MAX_LEN,
    TEXT_MIN_LEN,
    FieldInvalid,
    clean_text,
    normalise_name,
    normalise_text,
)


def _text(value: str) -> str:
    return normalise_text(value, field="text", min_len=TEXT_MIN_LEN, max_len=TEXT_MAX_LEN, multiline=True)


def test_decomposed_turkish_letters_are_composed() -> None:
    decomposed = "S\u0327ikâyet ic\u0327in yazıyorum"  # S + combining cedilla
    assert _text(decomposed) == "Şikâyet için yazıyorum"
    assert unicodedata.is_normalized("NFC", _text(decomposed))


def test_single_line_collapses_every_blank_run_to_one_space() -> None:
    assert clean_text("  Ayşe\t\u00a0 Yılmaz\r\n ") == "Ayşe Yılmaz"


def test_multi_line_keeps_paragraphs_but_not_runs_of_blank_lines() -> None:
    typed = "  Sayın yetkili,\r\n\r\n\r\n\r\nYolumuz   kapalı.\t \rKarlar temizlenmedi.  \u2028Teşekkürler "
    assert clean_text(typed, multiline=True) == (
        "Sayın yetkili,\n\nYolumuz kapalı.\nKarlar temizlenmedi.\nTeşekkürler"
    )


def test_control_and_invisible_format_characters_are_removed() -> None:
    typed = "Su\x00 kesin\u200btisi\x07 var \u202eters\ufeff"
    assert clean_text(typed) == "Su kesintisi var ters"


def test_too_short_text_after_cleaning_is_refused_with_its_bound() -> None:
    with pytest.raises(FieldInvalid) as caught:
        _text("  kısa \x00\x00\x00\x00\x00 ")
    assert caught.value.problem.code == "TEXT_TOO_SHORT"
    assert caught.value.problem.message_tr == "Başvuru metni en az 10 karakter olmalıdır."


def test_too_long_text_is_refused_with_its_bound() -> None:
    with pytest.raises(FieldInvalid) as caught:
        _text("a" * (TEXT_MAX_LEN + 1))
    assert caught.value.problem.code == "TEXT_TOO_LONG"
    assert caught.value.problem.message_tr == "Başvuru metni en fazla 5000 karakter olabilir."


def test_bounds_count_characters_after_cleaning() -> None:
    padded = "  " + "ş" * TEXT_MAX_LEN + "\n\n\n   "
    assert _text(padded) == "ş" * TEXT_MAX_LEN


def test_a_huge_raw_value_is_refused_without_cleaning_it() -> None:
    with pytest.raises(FieldInvalid) as caught:
        _text(" " * 10_000_000)
    assert caught.value.problem.code == "TEXT_TOO_LONG"


def test_blank_text_is_missing() -> None:
    with pytest.raises(FieldInvalid) as caught:
        _text(" \n\t\u200b ")
    assert caught.value.problem.code == "FIELD_MISSING"
    assert caught.value.problem.message_tr == "Başvuru metni alanı boş bırakılamaz."


def test_names_are_cleaned_like_single_line_text() -> None:
    assert normalise_name("  Ayşe \n  Yılmaz ") == "Ayşe Yılmaz"
    assert normalise_name("Şükrü Öztürk-İnce") == "Şükrü Öztürk-İnce"
    assert normalise_name("Abd. Kadir O’Neil") == "Abd. Kadir O’Neil"
    assert normalise_name("Ayşe\u200bYılmaz") == "AyşeYılmaz"  # format characters go, as in every text


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("A", "TEXT_TOO_SHORT"),
        ("12345", "NAME_INVALID"),
        ("Ali 2", "NAME_INVALID"),
        ("Ayşe \U0001f600 Yılmaz", "NAME_INVALID"),
        ("<b>Ali</b> Veli", "NAME_INVALID"),
        ("x" * (NAME_MAX_LEN + 1), "TEXT_TOO_LONG"),
    ],
)
def test_names_are_refused_when_too_short_too_long_or_without_letters(typed: str, code: str) -> None:
    with pytest.raises(FieldInvalid) as caught:
        normalise_name(typed)
    assert caught.value.problem.code == code
    assert caught.value.problem.field == "applicant.name"


@given(st.text(max_size=300), st.booleans())
def test_cleaning_is_idempotent(text: str, multiline: bool) -> None:
    once = clean_text(text, multiline=multiline)
    assert clean_text(once, multiline=multiline) == once


@given(st.text(max_size=300), st.booleans())
def test_cleaned_text_has_no_controls_no_double_blanks_and_no_edges(text: str, multiline: bool) -> None:
    cleaned = clean_text(text, multiline=multiline)
    assert unicodedata.is_normalized("NFC", cleaned)
    assert all(ch == "\n" or unicodedata.category(ch) not in {"Cc", "Cf", "Cs", "Co"} for ch in cleaned)
    assert "  " not in cleaned
    assert "\n\n\n" not in cleaned
    assert cleaned == cleaned.strip()
    assert multiline or "\n" not in cleaned
    assert all(ch in " \n" or not ch.isspace() for ch in cleaned)


@given(st.text(max_size=80), st.integers(0, 20), st.integers(0, 60))
def test_normalised_text_is_within_bounds_or_refused(text: str, low: int, extra: int) -> None:
    high = low + extra
    try:
        result = normalise_text(text, field="text", min_len=low, max_len=high)
    except FieldInvalid as invalid:
        assert invalid.problem.code in {"FIELD_MISSING", "TEXT_TOO_SHORT", "TEXT_TOO_LONG"}
    else:
        assert max(low, 1) <= len(result) <= high
