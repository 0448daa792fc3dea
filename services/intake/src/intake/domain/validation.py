"""Field validators of the intake (TC Kimlik No, Turkish mobile, free text) and log masking."""

from __future__ import annotations

import functools
import re
import unicodedata

import phonenumbers

from intake.domain.problems import FieldInvalid, SubmissionInvalid, ValidationProblem, problem

__all__ = [
    "NAME_MAX_LEN",
    "NAME_MIN_LEN",
    "TEXT_MAX_LEN",
    "TEXT_MIN_LEN",
    "TEXT_MIN_LETTERS",
    "FieldInvalid",
    "SubmissionInvalid",
    "ValidationProblem",
    "is_valid_tckn",
    "mask_phone",
    "mask_tckn",
    "normalise_mobile",
    "normalise_name",
    "normalise_petition_text",
    "normalise_text",
    "tckn_check_digits",
    "validate_tckn",
]

# Bounds are counted in characters (code points) after normalisation.
TEXT_MIN_LEN = 10
TEXT_MAX_LEN = 5000
NAME_MIN_LEN = 2
NAME_MAX_LEN = 100

_ASCII_DIGITS = frozenset("0123456789")
# A raw value far longer than any acceptable one is refused before it is normalised.
_RAW_LENGTH_FACTOR = 4
_RAW_LENGTH_SLACK = 1024

_LINE_BREAKS = frozenset("\n\r\x0b\x0c\x85\u2028\u2029")
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co"})
_SPACE_RUN = re.compile(r" {2,}")
_BLANK_LINE_RUN = re.compile(r"\n{3,}")

_PHONE_ALLOWED = frozenset("0123456789+-(). ")
_PHONE_MAX_RAW_LEN = 32
_TURKEY_CALLING_CODE = 90
_TR_E164 = re.compile(r"^\+90(\d{3})(\d{3})(\d{2})(\d{2})$")


def tckn_check_digits(first_nine: str) -> str:
    """Returns the two check digits (d10 d11) of a TC Kimlik No from its first nine ASCII digits."""
    if len(first_nine) != 9 or not set(first_nine) <= _ASCII_DIGITS:
        raise ValueError("first_nine must be nine ASCII digits")
    d = [int(ch) for ch in first_nine]
    odd_sum = d[0] + d[2] + d[4] + d[6] + d[8]
    even_sum = d[1] + d[3] + d[5] + d[7]
    d10 = (odd_sum * 7 - even_sum) % 10  # Python's % is never negative
    d11 = (sum(d) + d10) % 10
    return f"{d10}{d11}"


def is_valid_tckn(value: str) -> bool:
    """Returns True when value is exactly a valid TC Kimlik No (11 ASCII digits, checksums hold)."""
    return _tckn_shape_ok(value) and tckn_check_digits(value[:9]) == value[9:]


def validate_tckn(value: str, *, field: str = "applicant.tckn") -> str:
    """Returns the TC Kimlik No without the blanks and dashes it may be typed with ("100 000 001 46", as
    a phone number is); raises FieldInvalid if not valid."""
    candidate = re.sub(r"[\s\-]", "", clean_text(value)) if isinstance(value, str) else ""
    if not _tckn_shape_ok(candidate):
        raise FieldInvalid(problem("TCKN_MALFORMED", field))
    if tckn_check_digits(candidate[:9]) != candidate[9:]:
        raise FieldInvalid(problem("TCKN_INVALID", field))
    return candidate


def _tckn_shape_ok(value: str) -> bool:
    # str.isdigit() accepts full-width and other scripts' digits: check ASCII explicitly.
    return len(value) == 11 and set(value) <= _ASCII_DIGITS and value[0] != "0"


def normalise_mobile(value: str, *, field: str = "applicant.phone", sms_wanted: bool = True) -> str:
    """Returns a Turkish mobile number in E.164 (+905XXXXXXXXX); raises FieldInvalid otherwise. Control
    and format characters (a zero-width space copied along with the number) are dropped first, as in text.

    A mobile number is required even of an applicant who hid their identity or refused SMS (sms_wanted
    False): the office must be able to reach them. Their messages then promise no SMS."""
    candidate = clean_text(value) if isinstance(value, str) else ""
    if not candidate:
        raise FieldInvalid(problem("FIELD_MISSING", field))
    e164, code = _mobile_e164(candidate)
    if e164 is None:
        raise FieldInvalid(problem(code or "PHONE_INVALID", field, sms_wanted=sms_wanted))
    return e164


# Remembered: a portal message's number is read twice (the batch's prefetch, then validation), and
# phonenumbers' parsing is pure Python, a tenth of intake's CPU per submission before.
@functools.lru_cache(maxsize=4096)
def _mobile_e164(candidate: str) -> tuple[str | None, str | None]:
    """Returns (E.164, None) for a Turkish mobile number, else (None, the problem's code)."""
    if not _phone_shape_ok(candidate):
        return None, "PHONE_INVALID"
    try:
        number = phonenumbers.parse(candidate, "TR")
    except phonenumbers.NumberParseException:
        return None, "PHONE_INVALID"
    # is_possible_number would accept 9-digit typos: require a valid number of the mobile type.
    if not phonenumbers.is_valid_number(number):
        return None, "PHONE_INVALID"
    if number.country_code != _TURKEY_CALLING_CODE:
        return None, "PHONE_NOT_TURKISH"
    # Checked with phonenumbers 9.0: TR mobiles are typed MOBILE, never FIXED_LINE_OR_MOBILE.
    if phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE:
        return None, "PHONE_NOT_MOBILE"
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)), None


def _phone_shape_ok(value: str) -> bool:
    # ASCII digits and usual separators only: phonenumbers alone picks a number out of prose.
    if len(value) > _PHONE_MAX_RAW_LEN or not set(value) <= _PHONE_ALLOWED:
        return False
    return "+" not in value[1:]


def normalise_text(value: str, *, field: str, min_len: int, max_len: int, multiline: bool = False) -> str:
    """Returns value cleaned (NFC, no control characters, blanks collapsed, trimmed) in bounds.

    Single-line: every whitespace run becomes one space. Multi-line: line breaks are kept as "\\n",
    at most one blank line in a row, spaces collapsed and trimmed on each line. Raises FieldInvalid
    with FIELD_MISSING (empty), TEXT_TOO_SHORT or TEXT_TOO_LONG.
    """
    if not isinstance(value, str):
        raise FieldInvalid(problem("FIELD_NOT_TEXT", field))
    if len(value) > max_len * _RAW_LENGTH_FACTOR + _RAW_LENGTH_SLACK:
        raise FieldInvalid(problem("TEXT_TOO_LONG", field, min_len=min_len, max_len=max_len))
    cleaned = clean_text(value, multiline=multiline)
    if not cleaned:
        raise FieldInvalid(problem("FIELD_MISSING", field))
    if len(cleaned) < min_len:
        raise FieldInvalid(problem("TEXT_TOO_SHORT", field, min_len=min_len, max_len=max_len))
    if len(cleaned) > max_len:
        raise FieldInvalid(problem("TEXT_TOO_LONG", field, min_len=min_len, max_len=max_len))
    return cleaned


def clean_text(value: str, *, multiline: bool = False) -> str:
    """Returns value NFC-normalised, without control characters, blanks collapsed, trimmed."""
    text = unicodedata.normalize("NFC", value).replace("\r\n", "\n")
    kept: list[str] = []
    for ch in text:
        if ch in _LINE_BREAKS:
            kept.append("\n" if multiline else " ")
        elif ch == "\t" or ch.isspace():
            kept.append(" ")
        elif unicodedata.category(ch) not in _DROPPED_CATEGORIES:
            kept.append(ch)
    # Removing a format character can join a base letter and a combining mark: normalise again.
    joined = unicodedata.normalize("NFC", "".join(kept))
    if not multiline:
        return _SPACE_RUN.sub(" ", joined).strip(" ")
    lines = (_SPACE_RUN.sub(" ", line).strip(" ") for line in joined.split("\n"))
    return _BLANK_LINE_RUN.sub("\n\n", "\n".join(lines)).strip("\n")


TEXT_MIN_LETTERS = 5  # a petition says something in words: twelve emoji or "!!!!!!!!!!!!" do not


def normalise_petition_text(value: str, *, field: str = "text") -> str:
    """Returns the petition's text cleaned like multi-line text, in bounds, with a few letters at least."""
    text = normalise_text(value, field=field, min_len=TEXT_MIN_LEN, max_len=TEXT_MAX_LEN, multiline=True)
    if sum(1 for ch in text if unicodedata.category(ch).startswith("L")) < TEXT_MIN_LETTERS:
        raise FieldInvalid(problem("TEXT_NO_WORDS", field))
    return text


# Besides letters (of any script) and their combining marks, what names are written with: "Öztürk-İnce",
# "O'Neil", "Abd. Kadir".
_NAME_PUNCTUATION = frozenset(" '’-.")


def normalise_name(value: str, *, field: str = "applicant.name") -> str:
    """Returns the applicant's name cleaned like single-line text: letters, with spaces, apostrophes,
    hyphens and dots between them (no digits, emoji or markup)."""
    name = normalise_text(value, field=field, min_len=NAME_MIN_LEN, max_len=NAME_MAX_LEN)
    categories = [unicodedata.category(ch)[0] for ch in name]
    if "L" not in categories or any(
        kind not in "LM" and ch not in _NAME_PUNCTUATION for ch, kind in zip(name, categories, strict=True)
    ):
        raise FieldInvalid(problem("NAME_INVALID", field))
    return name


def mask_tckn(value: str) -> str:
    """Returns a TC Kimlik No masked for displays and logs: "100******46"."""
    if len(value) != 11:
        return "*" * 11
    return f"{value[:3]}******{value[-2:]}"


def mask_phone(e164: str) -> str:
    """Returns an E.164 number masked for displays and logs: "+90 532 *** ** 67"."""
    match = _TR_E164.match(e164)
    if match:
        return f"+90 {match.group(1)} *** ** {match.group(4)}"
    if len(e164) <= 4:
        return "*" * len(e164)
    return f"{e164[:3]}{'*' * (len(e164) - 5)}{e164[-2:]}"
