"""Turkish casing and folding give what str.translate of their tables gave, on any text."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from acikkapi_shared.turkish import fold_lowered, search_key, tr_lower, tr_upper

_LOWER_FIRST = str.maketrans({"I": "ı", "İ": "i"})
_UPPER_FIRST = str.maketrans({"i": "İ", "ı": "I"})
_FOLD = str.maketrans(
    {"ı": "i", "ç": "c", "ğ": "g", "ö": "o", "ş": "s", "ü": "u", "â": "a", "î": "i", "û": "u"}
)
_TEXT = st.text(alphabet="aAiIıİçÇğĞöÖşŞüÜâÂîÎûÛeE \u0307\u0327'.xжé", max_size=80) | st.text(max_size=40)


def _lower(text: str) -> str:
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).translate(_LOWER_FIRST).lower())


def _upper(text: str) -> str:
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).translate(_UPPER_FIRST).upper())


def _fold(lowered: str) -> str:
    decomposed = unicodedata.normalize("NFD", lowered.translate(_FOLD))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@given(_TEXT)
def test_casing_and_folding_match_the_translate_tables(text: str) -> None:
    assert tr_lower(text) == _lower(text)
    assert tr_upper(text) == _upper(text)
    assert fold_lowered(tr_lower(text)) == _fold(_lower(text))
    assert search_key(text) == _fold(_lower(text))


def test_examples() -> None:
    assert tr_lower("İSTANBUL IĞDIR") == "istanbul ığdır"
    assert tr_upper("istanbul ığdır") == "İSTANBUL IĞDIR"
    assert search_key("ŞİKÂYET") == "sikayet"
