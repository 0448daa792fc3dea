"""Tracking codes: 60 random bits in Crockford base32, grouped "K7QX-9M2D-WR4T"."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from acikkapi_shared.application_numbers import InvalidIdentifier

TokenBytes = Callable[[int], bytes]

# Crockford base32: no I, L, O, U (read as 1, 1, 0; U is refused).
CROCKFORD_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
TRACKING_CODE_BITS = 60
TRACKING_CODE_LENGTH = TRACKING_CODE_BITS // 5  # 12 symbols
GROUP_SIZE = 4
_RANDOM_BYTES = 8  # 64 bits drawn, the top 60 used
_MAX_INPUT_LEN = 64
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—−_]+")
_ALIASES = str.maketrans({"O": "0", "o": "0", "I": "1", "i": "1", "İ": "1", "ı": "1", "L": "1", "l": "1"})
MALFORMED_MESSAGE_TR = (
    "Takip kodu okunamadı. Kod, 4'erli gruplar hâlinde 12 harf ve rakamdan oluşur; örneğin K7QX-9M2D-WR4T."
)


class InvalidTrackingCode(InvalidIdentifier):
    """Raised by normalise_tracking_code with code TRACKING_CODE_MALFORMED."""


def new_tracking_code(token_bytes: TokenBytes) -> str:
    """Returns a new tracking code from 60 bits of token_bytes (pass secrets.token_bytes)."""
    raw = token_bytes(_RANDOM_BYTES)
    if len(raw) != _RANDOM_BYTES:
        raise ValueError(f"token_bytes must return {_RANDOM_BYTES} bytes")
    value = int.from_bytes(raw, "big") >> (_RANDOM_BYTES * 8 - TRACKING_CODE_BITS)
    symbols = [
        CROCKFORD_ALPHABET[(value >> (5 * shift)) & 0b11111]
        for shift in reversed(range(TRACKING_CODE_LENGTH))
    ]
    return _grouped("".join(symbols))


def normalise_tracking_code(text: str) -> str:
    """Returns the canonical "XXXX-XXXX-XXXX" form of a typed code (any case, blanks, dashes).

    Raises InvalidTrackingCode when the text is not 12 Crockford base32 symbols.
    """
    if not isinstance(text, str) or len(text) > _MAX_INPUT_LEN:
        raise _malformed()
    compact = _SEPARATORS.sub("", unicodedata.normalize("NFC", text)).translate(_ALIASES)
    compact = "".join(ch.upper() if "a" <= ch <= "z" else ch for ch in compact)
    if len(compact) != TRACKING_CODE_LENGTH or any(ch not in CROCKFORD_ALPHABET for ch in compact):
        raise _malformed()
    return _grouped(compact)


def _grouped(compact: str) -> str:
    return "-".join(compact[i : i + GROUP_SIZE] for i in range(0, len(compact), GROUP_SIZE))


def _malformed() -> InvalidTrackingCode:
    return InvalidTrackingCode("TRACKING_CODE_MALFORMED", MALFORMED_MESSAGE_TR)
