"""Application numbers: format, parsing, and the check character's detection guarantees."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from acikkapi_shared.application_numbers import (
    SEQUENCE_MAX,
    YEAR_MAX,
    YEAR_MIN,
    ApplicationNumber,
    InvalidApplicationNumber,
    format_application_number,
    parse_application_number,
)
from acikkapi_shared.check_character import CHECK_ALPHABET, MODULUS, RADIX, check_character, is_consistent

years = st.integers(YEAR_MIN, YEAR_MAX)
sequences = st.integers(1, SEQUENCE_MAX)
numbers = st.builds(ApplicationNumber, year=years, sequence=sequences)


def _compact(printed: str) -> str:
    return printed.replace("-", "")


def test_prints_year_padded_sequence_and_check_character() -> None:
    assert format_application_number(2026, 123) == "2026-000123-2"
    assert str(ApplicationNumber(2026, 123)) == "2026-000123-2"
    assert format_application_number(2026, 999_999).startswith("2026-999999-")
    assert format_application_number(2026, 10_000_000).startswith("2026-10000000-")


@pytest.mark.parametrize(
    "typed",
    ["2026-000123-2", "2026000123 2", "2026 000123 2", " 2026--000123-2 ", "2026–000123–2", "20260001232"],
)
def test_parses_dashes_blanks_in_any_arrangement(typed: str) -> None:
    assert parse_application_number(typed) == ApplicationNumber(2026, 123)


def test_parses_a_lower_case_check_letter() -> None:
    printed = format_application_number(2026, 120)
    assert printed.endswith("B")
    assert parse_application_number(printed.lower()) == ApplicationNumber(2026, 120)


def test_letters_typed_for_zero_and_one_are_read_as_digits() -> None:
    assert parse_application_number("2O26-OOO123-2") == ApplicationNumber(2026, 123)
    assert parse_application_number("2026-000ı23-2") == ApplicationNumber(2026, 123)


def test_a_wrong_check_character_gets_its_own_clear_error() -> None:
    with pytest.raises(InvalidApplicationNumber) as caught:
        parse_application_number("2026-000123-3")
    assert caught.value.code == "APPLICATION_NUMBER_CHECK_FAILED"
    assert "son karakter" in caught.value.message_tr


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "2026",
        "2026-00123-X",  # sequence too short
        "2026-0000123-2",  # padded beyond the canonical width
        "1999-000123-2",
        "2026-000000-0",
        "2026-000123-",
        "2026-0001A3-2",
        "２０２６-０００１２３-2",  # full-width digits
        "2026-000123-2" * 10,
        "2026/000123/2",
    ],
)
def test_malformed_text_is_refused_as_malformed(typed: str) -> None:
    with pytest.raises(InvalidApplicationNumber) as caught:
        parse_application_number(typed)
    assert caught.value.code == "APPLICATION_NUMBER_MALFORMED"
    assert caught.value.message_tr.startswith("Başvuru numarası okunamadı")


@given(numbers)
def test_printing_then_parsing_gives_the_number_back(number: ApplicationNumber) -> None:
    assert parse_application_number(str(number)) == number
    assert parse_application_number(_compact(str(number)).lower()) == number


def test_the_check_proof_holds_for_every_position_and_value_pair() -> None:
    # The weighted sum is linear: a change at position k (from the right) shifts it by
    # (b - a)·RADIX**k, a swap at k, k+1 by (a - b)·RADIX**k·(RADIX - 1). Checking every value pair
    # at every position of the longest number therefore covers every number of every length.
    longest = len(_compact(format_application_number(YEAR_MAX, SEQUENCE_MAX)))
    values = range(MODULUS)
    for k in range(longest):
        weight = pow(RADIX, k, MODULUS)
        next_weight = pow(RADIX, k + 1, MODULUS)
        for a, b in itertools.permutations(values, 2):
            assert (b - a) * weight % MODULUS != 0
            assert (a - b) * (next_weight - weight) % MODULUS != 0
            # one apart ("123" typed "321"): also caught, because RADIX**2 is not 1 mod 31
            assert (a - b) * (pow(RADIX, k + 2, MODULUS) - weight) % MODULUS != 0


def test_every_single_substitution_and_adjacent_swap_is_caught_exhaustively() -> None:
    # Concretely, for the first 1,000 numbers of two years and the last ones of the range.
    chosen = [(2026, s) for s in range(1, 1001)] + [(YEAR_MAX, SEQUENCE_MAX - s) for s in range(50)]
    for year, sequence in chosen:
        compact = _compact(format_application_number(year, sequence))
        assert is_consistent(compact)
        for i, original in enumerate(compact):
            for symbol in CHECK_ALPHABET:
                if symbol != original:
                    assert not is_consistent(compact[:i] + symbol + compact[i + 1 :])
        for i in range(len(compact) - 1):
            if compact[i] != compact[i + 1]:
                swapped = compact[:i] + compact[i + 1] + compact[i] + compact[i + 2 :]
                assert not is_consistent(swapped)


@given(numbers, st.data())
def test_a_mistyped_character_as_printed_is_never_accepted(
    number: ApplicationNumber, data: st.DataObject
) -> None:
    printed = str(number)
    positions = [i for i, ch in enumerate(printed) if ch != "-"]
    i = data.draw(st.sampled_from(positions))
    symbol = data.draw(st.sampled_from(CHECK_ALPHABET).filter(lambda s: s != printed[i]))
    with pytest.raises(InvalidApplicationNumber):
        parse_application_number(printed[:i] + symbol + printed[i + 1 :])


@given(numbers, st.data())
def test_two_swapped_neighbours_as_typed_are_never_accepted(
    number: ApplicationNumber, data: st.DataObject
) -> None:
    # Neighbours in the canonical string, also across the dashes: "2026-0…" swaps "6" and "0".
    compact = _compact(str(number))
    candidates = [i for i in range(len(compact) - 1) if compact[i] != compact[i + 1]]
    if not candidates:
        return
    i = data.draw(st.sampled_from(candidates))
    swapped = compact[:i] + compact[i + 1] + compact[i] + compact[i + 2 :]
    with pytest.raises(InvalidApplicationNumber):
        parse_application_number(swapped)


def test_check_character_refuses_non_digits() -> None:
    with pytest.raises(ValueError):
        check_character("20２6")
    with pytest.raises(ValueError):
        check_character("")


@pytest.mark.parametrize(("year", "sequence"), [(1999, 1), (10_000, 1), (2026, 0), (2026, -5)])
def test_numbers_outside_the_ranges_cannot_be_made(year: int, sequence: int) -> None:
    with pytest.raises(ValueError):
        ApplicationNumber(year, sequence)
    with pytest.raises(ValueError):
        ApplicationNumber(2026, SEQUENCE_MAX + 1)


@given(years, st.integers(1, SEQUENCE_MAX - 1))
def test_consecutive_numbers_are_distinct_and_ordered(year: int, sequence: int) -> None:
    current = ApplicationNumber(year, sequence)
    following = ApplicationNumber(year, sequence + 1)
    assert following > current
    assert str(following) != str(current)
