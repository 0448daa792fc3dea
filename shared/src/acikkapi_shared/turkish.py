"""Turkish-aware casing and search-key folding (str.lower() gets İ and I wrong)."""

from __future__ import annotations

import unicodedata

_LOWER_FIRST = str.maketrans({"I": "ı", "İ": "i"})
_UPPER_FIRST = str.maketrans({"i": "İ", "ı": "I"})
_FOLD = str.maketrans(
    {"ı": "i", "ç": "c", "ğ": "g", "ö": "o", "ş": "s", "ü": "u", "â": "a", "î": "i", "û": "u"}
)


def tr_lower(text: str) -> str:
    """Returns text in lower case by Turkish rules (I → ı, İ → i), NFC-normalised."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).translate(_LOWER_FIRST).lower())


def tr_upper(text: str) -> str:
    """Returns text in upper case by Turkish rules (i → İ, ı → I), NFC-normalised."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).translate(_UPPER_FIRST).upper())


def search_key(text: str) -> str:
    """Returns a matching key: Turkish lower case with diacritics removed ("ŞİKÂYET" → "sikayet")."""
    return fold_lowered(tr_lower(text))


def fold_lowered(lowered: str) -> str:
    """Returns the search key of a text already in tr_lower's form (saves lower-casing it again)."""
    folded = lowered.translate(_FOLD)
    if folded.isascii():  # nothing left to decompose (most petitions, once folded)
        return folded
    decomposed = unicodedata.normalize("NFD", folded)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
