"""The SLA clock: due moments from receipt instants, budgets and pauses."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sla_monitor.domain.calendar import ISTANBUL, BusinessCalendar, CalendarSettings
from sla_monitor.domain.clock import (
    Pause,
    SlaClock,
    due_moment,
    due_moment_as_of,
    is_overdue,
)

CALENDAR = BusinessCalendar()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def due_text(clock: SlaClock, calendar: BusinessCalendar = CALENDAR) -> str | None:
    due = due_moment(clock, calendar)
    return None if due is None else due.isoformat()


RECEIVED = at("2026-03-17T10:00:00+03:00")  # Tuesday; 7 business days end on Friday 27 March


def test_due_moment_is_the_last_second_of_the_istanbul_day() -> None:
    due = due_moment(SlaClock(received_at=RECEIVED), CALENDAR)
    assert due is not None
    assert due.tzinfo is ISTANBUL
    assert due.isoformat() == "2026-03-27T23:59:59+03:00"


@pytest.mark.parametrize(
    ("received", "expected"),
    [
        ("2026-03-16T22:30:00Z", "2026-03-27T23:59:59+03:00"),  # 01:30 Tuesday in Istanbul
        ("2026-03-17T20:59:59Z", "2026-03-27T23:59:59+03:00"),  # 23:59:59 Tuesday
        ("2026-03-17T21:00:00Z", "2026-03-30T23:59:59+03:00"),  # midnight: Wednesday
        ("2026-03-17T07:00:00-05:00", "2026-03-27T23:59:59+03:00"),  # 15:00 in Istanbul
        ("2026-05-22T09:00:00+00:00", "2026-06-05T23:59:59+03:00"),
        ("2026-12-27T21:30:00Z", "2027-01-07T23:59:59+03:00"),  # 00:30 Monday 28 December
    ],
)
def test_receipt_belongs_to_its_istanbul_day(received: str, expected: str) -> None:
    assert due_text(SlaClock(received_at=at(received))) == expected


def test_the_institutions_shorter_clock_uses_the_same_rules() -> None:
    assert due_text(SlaClock(received_at=RECEIVED, budget_days=5)) == "2026-03-25T23:59:59+03:00"


def test_idari_izin_declared_later_moves_the_deadline_on_recomputation() -> None:
    clock = SlaClock(received_at=RECEIVED)
    idari_izin = BusinessCalendar(CalendarSettings(closures=frozenset({at("2026-03-26").date()})))
    assert due_text(clock) == "2026-03-27T23:59:59+03:00"
    assert due_text(clock, idari_izin) == "2026-03-30T23:59:59+03:00"


def test_business_days_partly_inside_a_pause_are_not_consumed() -> None:
    pause = Pause(at("2026-03-18T14:00:00+03:00"), at("2026-03-19T09:00:00+03:00"))
    clock = SlaClock(received_at=RECEIVED, pauses=(pause,))
    assert due_text(clock) == "2026-03-31T23:59:59+03:00"


def test_pause_across_ramazan_bayrami_costs_only_the_business_days_it_touches() -> None:
    pause = Pause(at("2026-03-19T16:00:00+03:00"), at("2026-03-23T10:00:00+03:00"))
    clock = SlaClock(received_at=RECEIVED, pauses=(pause,))
    assert due_text(clock) == "2026-03-31T23:59:59+03:00"


def test_pause_across_kurban_bayrami_2026() -> None:
    pause = Pause(at("2026-05-26T09:00:00+03:00"), at("2026-06-01T17:00:00+03:00"))
    clock = SlaClock(received_at=at("2026-05-22T11:00:00+03:00"), pauses=(pause,))
    assert due_text(clock) == "2026-06-09T23:59:59+03:00"


def test_pause_over_holidays_and_weekend_only_costs_nothing() -> None:
    pause = Pause(at("2026-03-20T00:00:00+03:00"), at("2026-03-23T00:00:00+03:00"))
    clock = SlaClock(received_at=RECEIVED, pauses=(pause,))
    assert due_text(clock) == "2026-03-27T23:59:59+03:00"


def test_pause_ending_a_microsecond_after_midnight_touches_that_day() -> None:
    pause = Pause(at("2026-03-20T00:00:00+03:00"), at("2026-03-23T00:00:00.000001+03:00"))
    clock = SlaClock(received_at=RECEIVED, pauses=(pause,))
    assert due_text(clock) == "2026-03-30T23:59:59+03:00"


def test_pause_instants_are_converted_to_istanbul_days() -> None:
    # 00:30 to 23:00 on Wednesday 18 March in Istanbul.
    pause = Pause(at("2026-03-17T21:30:00Z"), at("2026-03-18T20:00:00Z"))
    clock = SlaClock(received_at=RECEIVED, pauses=(pause,))
    assert due_text(clock) == "2026-03-30T23:59:59+03:00"


def test_zero_length_and_receipt_day_pauses_change_nothing() -> None:
    instant = at("2026-03-18T10:00:00+03:00")
    same_day = Pause(at("2026-03-17T11:00:00+03:00"), at("2026-03-17T16:00:00+03:00"))
    clock = SlaClock(received_at=RECEIVED, pauses=(Pause(instant, instant), same_day))
    assert due_text(clock) == "2026-03-27T23:59:59+03:00"


def test_overlapping_pauses_merge() -> None:
    first = Pause(at("2026-03-23T09:00:00+03:00"), at("2026-03-24T12:00:00+03:00"))
    second = Pause(at("2026-03-24T10:00:00+03:00"), at("2026-03-25T12:00:00+03:00"))
    clock = SlaClock(received_at=RECEIVED, pauses=(first, second))
    assert due_text(clock) == "2026-04-01T23:59:59+03:00"


def test_open_pause_before_the_due_day_means_no_due_moment_yet() -> None:
    clock = SlaClock(received_at=RECEIVED).paused(at("2026-03-27T10:00:00+03:00"))
    assert clock.is_paused
    assert due_moment(clock, CALENDAR) is None


def test_open_pause_after_the_due_day_leaves_the_reached_deadline() -> None:
    clock = SlaClock(received_at=RECEIVED).paused(at("2026-03-28T00:00:00+03:00"))
    assert due_text(clock) == "2026-03-27T23:59:59+03:00"


def test_due_moment_as_of_now_projects_the_open_pause_ending_now() -> None:
    clock = SlaClock(received_at=RECEIVED).paused(at("2026-03-18T10:00:00+03:00"))
    due = due_moment_as_of(clock, CALENDAR, now=at("2026-03-23T06:00:00Z"))
    assert due.isoformat() == "2026-04-01T23:59:59+03:00"


def test_pause_then_resume_folds_into_a_closed_pause() -> None:
    start, end = at("2026-03-18T14:00:00+03:00"), at("2026-03-19T09:00:00+03:00")
    clock = SlaClock(received_at=RECEIVED).paused(start).resumed(end)
    assert clock.pauses == (Pause(start, end),)
    assert not clock.is_paused
    with pytest.raises(ValueError, match="not paused"):
        clock.resumed(end)
    with pytest.raises(ValueError, match="already paused"):
        clock.paused(end).paused(end)


def test_is_overdue_from_the_following_istanbul_midnight() -> None:
    due = at("2026-03-27T23:59:59+03:00")
    assert not is_overdue(due, at("2026-03-27T23:59:59.999999+03:00"))
    assert not is_overdue(due, at("2026-03-27T20:59:59Z"))
    assert is_overdue(due, at("2026-03-27T21:00:00Z"))
    assert is_overdue(due, datetime(2026, 4, 1, tzinfo=UTC))


def test_naive_instants_and_inverted_pauses_are_rejected() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        SlaClock(received_at=datetime(2026, 3, 17, 10))  # noqa: DTZ001
    with pytest.raises(ValueError, match="timezone-aware"):
        Pause(datetime(2026, 3, 17, 10))  # noqa: DTZ001
    with pytest.raises(ValueError, match="before it starts"):
        Pause(at("2026-03-18T10:00:00+03:00"), at("2026-03-18T09:00:00+03:00"))


@pytest.mark.parametrize("budget", [0, -3, 10_001])
def test_budget_out_of_range_is_rejected(budget: int) -> None:
    with pytest.raises(ValueError, match="budget"):
        SlaClock(received_at=RECEIVED, budget_days=budget)
