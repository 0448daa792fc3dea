"""TC Kimlik No validation and masking."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intake.domain.validation import (
    FieldInvalid,
    SubmissionInvalid,
    is_valid_tckn,
    mask_tckn,
    tckn_check_digits,
    validate_tckn,
)

first_nine = st.text(alphabet="0123456789", min_size=9, max_size=9).filter(lambda s: s[0] != "0")
valid_tckns = first_nine.map(lambda nine: nine + tckn_check_digits(nine))


@pytest.mark.parametrize("value", ["10000000146", "11111111110", "12345678950", "17291716060"])
def test_accepts_the_known_valid_numbers(value: str) -> None:
    assert validate_tckn(value) == value
    assert is_valid_tckn(value)


@pytest.mark.parametrize(
    "typed", ["  10000000146\n", "100 000 001 46", "100-000-001-46", "10000000146\u200b"]
)
def test_reads_the_number_as_people_type_it(typed: str) -> None:
    assert validate_tckn(typed) == "10000000146"  # blanks and dashes in groups, as a phone number


@pytest.mark.parametrize("value", ["12345678901", "11111111111", "10000000147", "10000000156"])
def test_rejects_a_wrong_checksum_as_invalid(value: str) -> None:
    with pytest.raises(FieldInvalid) as caught:
        validate_tckn(value)
    assert caught.value.problem.code == "TCKN_INVALID"
    assert caught.value.problem.field == "applicant.tckn"
    assert "T.C. Kimlik Numarası geçersiz" in caught.value.problem.message_tr


@pytest.mark.parametrize(
    "value",
    [
        "",
        "1000000014",  # 10 digits
        "100000001460",  # 12 digits
        "01000000146",  # first digit 0 (would pass both checksums)
        "00000000000",
        "1000000014a",
        "１００００００００１４６",  # full-width digits: str.isdigit() is True for them
        "١٠٠٠٠٠٠٠١٤٦",  # Arabic-Indic digits
        "1000000014६",  # one Devanagari digit
    ],
)
def test_rejects_anything_but_eleven_ascii_digits_as_malformed(value: str) -> None:
    with pytest.raises(SubmissionInvalid) as caught:
        validate_tckn(value)
    assert caught.value.codes == ("TCKN_MALFORMED",)


def test_leading_zero_is_refused_even_though_its_checksums_hold() -> None:
    nine = "012345678"
    assert not is_valid_tckn(nine + tckn_check_digits(nine))


@given(valid_tckns)
def test_every_generated_number_is_accepted(tckn: str) -> None:
    assert validate_tckn(tckn) == tckn


@given(valid_tckns, st.integers(0, 10), st.integers(1, 9))
def test_every_single_digit_change_is_caught(tckn: str, position: int, delta: int) -> None:
    changed_digit = str((int(tckn[position]) + delta) % 10)
    typo = tckn[:position] + changed_digit + tckn[position + 1 :]
    assert not is_valid_tckn(typo)
    with pytest.raises(FieldInvalid):
        validate_tckn(typo)


@given(st.text(max_size=20))
def test_arbitrary_text_is_either_a_valid_number_or_refused(text: str) -> None:
    try:
        result = validate_tckn(text)
    except FieldInvalid as invalid:
        assert invalid.problem.code in {"TCKN_MALFORMED", "TCKN_INVALID"}
    else:
        assert is_valid_tckn(result)
        assert result.isascii()


def test_check_digits_follow_the_published_formula() -> None:
    # digits 1,0,0,0,0,0,0,0,1: odd = 1+0+0+0+1 = 2, even = 0 → d10 = 2·7 mod 10 = 4;
    # d11 = (2 + 4) mod 10 = 6 → 10000000146.
    assert tckn_check_digits("100000001") == "46"


def test_negative_intermediate_sums_use_python_modulo() -> None:
    # odd = 1, even = 36 → 7 − 36 = −29 → −29 % 10 == 1; d11 = (37 + 1) % 10 = 8.
    assert tckn_check_digits("190909090") == "18"


def test_mask_keeps_three_leading_and_two_trailing_digits() -> None:
    assert mask_tckn("10000000146") == "100******46"


@given(st.text(max_size=30))
def test_mask_never_reveals_the_middle(value: str) -> None:
    masked = mask_tckn(value)
    assert len(masked) == 11
    assert masked[3:9] == "******"
