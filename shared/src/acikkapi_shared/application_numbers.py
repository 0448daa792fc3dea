"""Application numbers ("2026-000123-2": year, sequence, check character) as people type them: one
reading for every service that takes one (intake's citizen and office APIs, the router's case routes)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from acikkapi_shared.check_character import check_character, is_consistent

__all__ = [
    "CHECK_FAILED_MESSAGE_TR",
    "MALFORMED_MESSAGE_TR",
    "SEQUENCE_MAX",
    "SEQUENCE_MIN_WIDTH",
    "YEAR_MAX",
    "YEAR_MIN",
    "ApplicationNumber",
    "InvalidApplicationNumber",
    "InvalidIdentifier",
    "format_application_number",
    "parse_application_number",
]

YEAR_MIN = 2000
YEAR_MAX = 9999
SEQUENCE_MIN_WIDTH = 6  # zero-padded to 6 digits; wider sequences simply get more digits
SEQUENCE_MAX = 99_999_999  # 100 million a year: room for all 81 provinces in one numbering
_MAX_INPUT_LEN = 64

# Separators people type or paste: blanks and every kind of dash.
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—−_]+")
# Letters people type for digits (as in Crockford base32); I and O are not check symbols.
_ALIASES = str.maketrans({"O": "0", "o": "0", "I": "1", "i": "1", "İ": "1", "ı": "1"})
_COMPACT = re.compile(rf"^([0-9]{{4}})([0-9]{{{SEQUENCE_MIN_WIDTH},}})(.)$")

MALFORMED_MESSAGE_TR = (
    "Başvuru numarası okunamadı. Numara yıl, sıra numarası ve bir kontrol karakterinden oluşur; "
    "örneğin 2026-000123-2."
)
CHECK_FAILED_MESSAGE_TR = (
    "Başvuru numarası hatalı yazılmış: son karakter numarayla uyuşmuyor. "
    "Lütfen numarayı kontrol edip yeniden yazın."
)


class InvalidIdentifier(ValueError):
    """Raised when an application number or tracking code typed by a person cannot be read."""

    def __init__(self, code: str, message_tr: str) -> None:
        super().__init__(f"{code}: {message_tr}")
        self.code = code
        self.message_tr = message_tr


class InvalidApplicationNumber(InvalidIdentifier):
    """Raised by parse_application_number: APPLICATION_NUMBER_MALFORMED or _CHECK_FAILED."""


@dataclass(frozen=True, slots=True, order=True)
class ApplicationNumber:
    """An application number: the year and the application's sequence within that year."""

    year: int
    sequence: int

    def __post_init__(self) -> None:
        if not YEAR_MIN <= self.year <= YEAR_MAX:
            raise ValueError(f"year must be within {YEAR_MIN}..{YEAR_MAX}")
        if not 1 <= self.sequence <= SEQUENCE_MAX:
            raise ValueError(f"sequence must be within 1..{SEQUENCE_MAX}")

    @property
    def canonical_digits(self) -> str:
        """Returns the digits the check character covers: year then zero-padded sequence."""
        return f"{self.year:04d}{self.sequence:0{SEQUENCE_MIN_WIDTH}d}"

    @property
    def check_character(self) -> str:
        """Returns the check character of this number."""
        return check_character(self.canonical_digits)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.sequence:0{SEQUENCE_MIN_WIDTH}d}-{self.check_character}"


def format_application_number(year: int, sequence: int) -> str:
    """Returns the printed application number, e.g. format_application_number(2026, 123)."""
    return str(ApplicationNumber(year=year, sequence=sequence))


def parse_application_number(text: str) -> ApplicationNumber:
    """Returns the number typed in text (any case, blanks and dashes anywhere or missing).

    Raises InvalidApplicationNumber with code APPLICATION_NUMBER_MALFORMED when text is not shaped
    like a number, and APPLICATION_NUMBER_CHECK_FAILED when the check character does not match.
    """
    compact = _compact(text)
    match = _COMPACT.match(compact)
    if match is None:
        raise _malformed()
    year_digits, sequence_digits, check = match.groups()
    year, sequence = int(year_digits), int(sequence_digits)
    # One spelling per number: zero padding only up to the minimum width.
    padded_width = max(SEQUENCE_MIN_WIDTH, len(str(sequence)))
    if len(sequence_digits) != padded_width:
        raise _malformed()
    if not (YEAR_MIN <= year <= YEAR_MAX and 1 <= sequence <= SEQUENCE_MAX):
        raise _malformed()
    if not is_consistent(year_digits + sequence_digits + check):
        raise InvalidApplicationNumber("APPLICATION_NUMBER_CHECK_FAILED", CHECK_FAILED_MESSAGE_TR)
    return ApplicationNumber(year=year, sequence=sequence)


def _compact(text: str) -> str:
    if not isinstance(text, str) or len(text) > _MAX_INPUT_LEN:
        raise _malformed()
    without_separators = _SEPARATORS.sub("", unicodedata.normalize("NFC", text))
    # ASCII upper case only: Turkish i/ı were mapped to 1 by the aliases first.
    return "".join(ch.upper() if "a" <= ch <= "z" else ch for ch in without_separators.translate(_ALIASES))


def _malformed() -> InvalidApplicationNumber:
    return InvalidApplicationNumber("APPLICATION_NUMBER_MALFORMED", MALFORMED_MESSAGE_TR)
