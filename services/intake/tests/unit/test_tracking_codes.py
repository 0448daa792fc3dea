"""Tracking codes: 60 CSPRNG bits, Crockford base32, grouped; lenient parsing."""

from __future__ import annotations

import secrets

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intake.domain.tracking_code import (
    CROCKFORD_ALPHABET,
    TRACKING_CODE_BITS,
    InvalidTrackingCode,
    new_tracking_code,
    normalise_tracking_code,
)

eight_bytes = st.binary(min_size=8, max_size=8)


def test_code_is_grouped_crockford_base32() -> None:
    code = new_tracking_code(lambda n: bytes([0xFF] * n))
    assert code == "ZZZZ-ZZZZ-ZZZZ"
    assert new_tracking_code(lambda n: bytes(n)) == "0000-0000-0000"


def test_asks_the_random_source_for_at_least_sixty_bits() -> None:
    asked: list[int] = []

    def token_bytes(n: int) -> bytes:
        asked.append(n)
        return bytes(n)

    new_tracking_code(token_bytes)
    assert asked and asked[0] * 8 >= TRACKING_CODE_BITS >= 60


@given(eight_bytes)
def test_sixty_random_bits_are_all_kept(raw: bytes) -> None:
    code = new_tracking_code(lambda n: raw)
    symbols = code.replace("-", "")
    value = 0
    for symbol in symbols:
        value = value * 32 + CROCKFORD_ALPHABET.index(symbol)
    assert value == int.from_bytes(raw, "big") >> 4


@given(eight_bytes, eight_bytes)
def test_different_bits_give_different_codes(first: bytes, second: bytes) -> None:
    if first[:7] == second[:7] and first[7] >> 4 == second[7] >> 4:
        return  # only the four unused low bits differ
    assert new_tracking_code(lambda n: first) != new_tracking_code(lambda n: second)


def test_a_short_random_source_is_an_error() -> None:
    with pytest.raises(ValueError):
        new_tracking_code(lambda n: b"\x01\x02")


def test_works_with_the_real_csprng() -> None:
    code = new_tracking_code(secrets.token_bytes)
    assert normalise_tracking_code(code) == code


@given(eight_bytes, st.data())
def test_typed_variants_normalise_back_to_the_code(raw: bytes, data: st.DataObject) -> None:
    code = new_tracking_code(lambda n: raw)
    compact = code.replace("-", "")
    typed = "".join(
        data.draw(st.sampled_from([ch, ch.lower()])) + data.draw(st.sampled_from(["", " ", "-"]))
        for ch in compact
    )
    assert normalise_tracking_code(typed) == code


def test_ambiguous_letters_are_read_as_digits() -> None:
    assert normalise_tracking_code("k7qx 9m2d wr4t") == "K7QX-9M2D-WR4T"
    assert normalise_tracking_code("OIL0-ı1İ1-0000") == "0110-1111-0000"


@pytest.mark.parametrize(
    "typed",
    ["", "K7QX-9M2D-WR4", "K7QX-9M2D-WR4TT", "K7QX-9M2D-WR4U", "K7QX-9M2D-WR4*", "Ｋ7QX-9M2D-WR4T"],
)
def test_malformed_codes_are_refused(typed: str) -> None:
    with pytest.raises(InvalidTrackingCode) as caught:
        normalise_tracking_code(typed)
    assert caught.value.code == "TRACKING_CODE_MALFORMED"
    assert "Takip kodu" in caught.value.message_tr


@given(st.text(max_size=40))
def test_anything_accepted_is_canonical(text: str) -> None:
    try:
        code = normalise_tracking_code(text)
    except InvalidTrackingCode:
        return
    assert len(code) == 14
    assert all(ch in CROCKFORD_ALPHABET for ch in code.replace("-", ""))
    assert normalise_tracking_code(code) == code
