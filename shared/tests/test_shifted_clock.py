"""The shifted and fast clock for demonstrations: offset, rate, a shared epoch, never backwards."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from acikkapi_shared.clock import ManualClock, ShiftedClock, SystemClock, configured_clock, parse_offset
from acikkapi_shared.settings import load_settings

WALL = datetime(2026, 3, 17, 8, 0, tzinfo=UTC)


class Counter:
    """A monotonic counter the test moves (seconds)."""

    def __init__(self) -> None:
        self.value = 1000.0

    def __call__(self) -> float:
        return self.value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("+3d", timedelta(days=3)),
        ("3d", timedelta(days=3)),
        ("-2h30m", -timedelta(hours=2, minutes=30)),
        ("1w2d", timedelta(days=9)),
        ("90s", timedelta(seconds=90)),
        ("P3DT4H", timedelta(days=3, hours=4)),
        ("-PT90M", -timedelta(minutes=90)),
        ("P1W", timedelta(weeks=1)),
        ("PT0.5S", timedelta(seconds=0.5)),
        ("", timedelta(0)),
    ],
)
def test_offsets_are_read_in_short_or_iso_form(text: str, expected: timedelta) -> None:
    assert parse_offset(text) == expected


@pytest.mark.parametrize("text", ["P1M", "P1Y", "3 days", "P", "PT", "d3", "P3DT"])
def test_unreadable_offsets_and_months_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="clock offset"):
        parse_offset(text)


def test_an_offset_moves_the_clock_ahead_and_a_rate_makes_it_run_faster() -> None:
    counter = Counter()
    clock = ShiftedClock(offset=timedelta(days=3), rate=60, wall=ManualClock(WALL), monotonic=counter)
    assert clock.now() == WALL + timedelta(days=3)
    counter.value += 2.5  # two and a half real seconds: two and a half minutes
    assert clock.now() == WALL + timedelta(days=3, minutes=2, seconds=30)


def test_services_started_at_different_moments_agree_through_the_epoch() -> None:
    epoch = WALL - timedelta(seconds=10)  # the stack started 10 real seconds before this service
    clock = ShiftedClock(rate=60, epoch=epoch, wall=ManualClock(WALL), monotonic=Counter())
    assert clock.now() == epoch + timedelta(minutes=10)


def test_the_clock_never_goes_backwards() -> None:
    counter = Counter()
    clock = ShiftedClock(rate=10, wall=ManualClock(WALL), monotonic=counter)
    counter.value += 1
    ahead = clock.now()
    counter.value -= 5  # a counter that stepped back (it cannot, but the clock must not follow)
    assert clock.now() == ahead
    counter.value += 10
    assert clock.now() > ahead


def test_a_real_fast_clock_runs_faster_than_the_wall() -> None:
    clock = ShiftedClock(rate=1000)
    wall_before, before = datetime.now(UTC), clock.now()
    moments = [clock.now() for _ in range(2000)]
    assert moments == sorted(moments)
    assert moments[-1] - before >= (datetime.now(UTC) - wall_before) * 500


def test_rates_must_be_positive_and_epochs_aware() -> None:
    for rate in (0.0, -1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="rate"):
            ShiftedClock(rate=rate)
    with pytest.raises(ValueError, match="epoch"):
        ShiftedClock(epoch=datetime(2026, 3, 17))  # noqa: DTZ001


def test_settings_build_the_clock_of_every_service() -> None:
    assert isinstance(load_settings("router", 8002, {}).clock(), SystemClock)
    environ = {"ACIKKAPI_CLOCK_OFFSET": "+3d", "ACIKKAPI_CLOCK_RATE": "60"}
    shifted = load_settings("router", 8002, environ).clock()
    assert isinstance(shifted, ShiftedClock)
    assert shifted.now() - datetime.now(UTC) > timedelta(days=3) - timedelta(seconds=5)
    assert isinstance(configured_clock("", 1.0, ""), SystemClock)
    with pytest.raises(ValueError, match="clock offset"):
        load_settings("router", 8002, {"ACIKKAPI_CLOCK_OFFSET": "three days"})
    with pytest.raises(ValueError, match="rate"):
        load_settings("router", 8002, {"ACIKKAPI_CLOCK_RATE": "0"})
