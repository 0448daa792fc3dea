"""Turkish mobile numbers: parsing to E.164, refusals and masking."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intake.domain.validation import FieldInvalid, mask_phone, normalise_mobile


@pytest.mark.parametrize(
    "typed",
    [
        "0532 123 45 67",
        "+90 532 123 45 67",
        "5321234567",
        "905321234567",
        "05321234567",
        "0 (532) 123-45-67",
        "+90-532-123-45-67",
        "0090 532 123 45 67",
        " 0532 123 45 67 ",
        "0532 123 45 67\u200b",  # a zero-width space copied along with it
        "\u202a0532 123 45 67\u202c",  # bidi marks around a number pasted from a right-to-left text
    ],
)
def test_accepts_the_usual_ways_of_typing_a_mobile_number(typed: str) -> None:
    assert normalise_mobile(typed) == "+905321234567"


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("0312 123 45 67", "PHONE_NOT_MOBILE"),  # Ankara landline
        ("0474 212 34 56", "PHONE_NOT_MOBILE"),  # Kars landline
        ("0850 222 04 44", "PHONE_NOT_MOBILE"),
        ("053212345", "PHONE_INVALID"),  # a digit short: is_possible_number would pass
        ("0532 123 45 678", "PHONE_INVALID"),
        ("0532 ABC 45 67", "PHONE_INVALID"),
        ("beni 0532 123 45 67 numarasından arayın", "PHONE_INVALID"),
        ("０５３２ １２３ ４５ ６７", "PHONE_INVALID"),  # full-width digits
        ("+90 532 123 45 67 +1", "PHONE_INVALID"),
        ("+49 151 23456789", "PHONE_NOT_TURKISH"),  # a valid German mobile
        ("", "FIELD_MISSING"),
        ("   ", "FIELD_MISSING"),
    ],
)
def test_refuses_what_cannot_receive_our_sms(typed: str, code: str) -> None:
    with pytest.raises(FieldInvalid) as caught:
        normalise_mobile(typed)
    assert caught.value.problem.code == code
    assert caught.value.problem.field == "applicant.phone"
    assert caught.value.problem.message_tr


operator_prefixes = st.sampled_from(["501", "505", "530", "532", "533", "542", "544", "552", "555"])
subscriber = st.text(alphabet="0123456789", min_size=7, max_size=7)


@given(operator_prefixes, subscriber)
def test_every_spelling_of_one_mobile_gives_the_same_e164(prefix: str, rest: str) -> None:
    e164 = f"+90{prefix}{rest}"
    spellings = [
        f"0{prefix}{rest}",
        f"{prefix}{rest}",
        f"90{prefix}{rest}",
        f"+90 {prefix} {rest[:3]} {rest[3:5]} {rest[5:]}",
        f"0 ({prefix}) {rest[:3]}-{rest[3:5]}-{rest[5:]}",
    ]
    assert {normalise_mobile(spelling) for spelling in spellings} == {e164}


@given(st.text(max_size=40))
def test_any_accepted_text_becomes_a_turkish_mobile_in_e164(text: str) -> None:
    try:
        e164 = normalise_mobile(text)
    except FieldInvalid:
        return
    assert e164.startswith("+905")
    assert len(e164) == 13
    assert e164[1:].isascii() and e164[1:].isdigit()


def test_mask_shows_operator_and_last_two_digits() -> None:
    assert mask_phone("+905321234567") == "+90 532 *** ** 67"


@given(operator_prefixes, subscriber)
def test_mask_hides_the_middle_of_every_turkish_mobile(prefix: str, rest: str) -> None:
    masked = mask_phone(f"+90{prefix}{rest}")
    assert masked == f"+90 {prefix} *** ** {rest[-2:]}"


def test_mask_of_a_foreign_number_keeps_only_the_ends() -> None:
    assert mask_phone("+4915123456789") == "+49*********89"
