"""Deadline properties: due days are business days, and fewer working days only move them later."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

import holidays
from hypothesis import given, settings
from hypothesis import strategies as st

from sla_monitor.domain.calendar import ISTANBUL, BusinessCalendar, CalendarSettings, istanbul_date
from sla_monitor.domain.clock import Pause, SlaClock, due_day, due_moment, due_moment_as_of

ZONES = st.sampled_from(
    [UTC, ISTANBUL, timezone(timedelta(hours=-5)), timezone(timedelta(hours=9, minutes=30))]
)
# Hypothesis takes naive bounds and attaches a zone drawn from `timezones`.
instants = st.datetimes(
    min_value=datetime(2024, 12, 1),  # noqa: DTZ001
    max_value=datetime(2027, 12, 31),  # noqa: DTZ001
    timezones=ZONES,
)
budgets = st.integers(min_value=1, max_value=30)
closure_sets = st.frozensets(st.dates(min_value=date(2024, 12, 1), max_value=date(2028, 3, 31)), max_size=8)
calendar_settings = st.builds(CalendarSettings, st.booleans(), closure_sets)


@st.composite
def closed_pauses(draw: st.DrawFn, after: datetime) -> Pause:
    start = after + draw(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=40)))
    length = draw(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=15)))
    return Pause(start, start + length)


def later_or_none(candidate: datetime | None, reference: datetime) -> bool:
    return candidate is None or candidate >= reference


def due(clock: SlaClock, calendar: BusinessCalendar) -> datetime:
    moment = due_moment(clock, calendar)
    assert moment is not None
    return moment


@given(instants, budgets, calendar_settings)
def test_the_due_day_is_a_business_day_after_the_day_of_receipt(
    received: datetime, budget: int, config: CalendarSettings
) -> None:
    calendar = BusinessCalendar(config)
    moment = due(SlaClock(received, budget), calendar)
    assert calendar.is_business_day(moment.date())
    assert moment.date() > istanbul_date(received)
    assert moment.timetz() == time(23, 59, 59, tzinfo=ISTANBUL)


@given(instants, budgets, closure_sets, st.booleans())
def test_more_closures_or_half_days_off_never_make_a_deadline_earlier(
    received: datetime, budget: int, closures: frozenset[date], half_days_off: bool
) -> None:
    clock = SlaClock(received, budget)
    plain = due(clock, BusinessCalendar())
    stricter = BusinessCalendar(CalendarSettings(not half_days_off, closures))
    assert due(clock, stricter) >= plain


@given(instants, budgets, st.data())
def test_a_pause_never_makes_a_deadline_earlier(received: datetime, budget: int, data: st.DataObject) -> None:
    calendar = BusinessCalendar()
    earlier_pauses = tuple(data.draw(st.lists(closed_pauses(received), max_size=2)))
    clock = SlaClock(received, budget, earlier_pauses)
    extra = data.draw(closed_pauses(received - timedelta(days=3)))
    open_extra = Pause(extra.started_at)
    reference = due(clock, calendar)
    assert due(SlaClock(received, budget, (*earlier_pauses, extra)), calendar) >= reference
    assert later_or_none(
        due_moment(SlaClock(received, budget, (*earlier_pauses, open_extra)), calendar), reference
    )


@given(instants, budgets, calendar_settings)
def test_one_more_day_of_budget_is_always_later(
    received: datetime, budget: int, config: CalendarSettings
) -> None:
    calendar = BusinessCalendar(config)
    assert due(SlaClock(received, budget + 1), calendar) > due(SlaClock(received, budget), calendar)


@given(instants, budgets, st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=20)))
def test_an_open_pause_only_moves_the_projection_later_as_time_passes(
    received: datetime, budget: int, waited: timedelta
) -> None:
    calendar = BusinessCalendar()
    clock = SlaClock(received, budget).paused(received + timedelta(days=2))
    now = received + timedelta(days=2)
    assert due_moment_as_of(clock, calendar, now + waited) >= due_moment_as_of(clock, calendar, now)


@given(instants, budgets, st.data())
def test_any_instant_of_the_same_istanbul_day_gives_the_same_deadline(
    received: datetime, budget: int, data: st.DataObject
) -> None:
    day = istanbul_date(received)
    midnight = datetime.combine(day, time(0), tzinfo=ISTANBUL)
    offset = data.draw(st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=23, minutes=59)))
    other = (midnight + offset).astimezone(data.draw(ZONES))
    calendar = BusinessCalendar()
    assert due_day(SlaClock(other, budget), calendar) == due_day(SlaClock(received, budget), calendar)


@settings(max_examples=50)
@given(st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31)), budgets)
def test_calendar_agrees_with_the_holiday_package_working_day_count(start: date, n: int) -> None:
    reference = holidays.country_holidays("TR", years=range(2025, 2030), language="tr")
    assert BusinessCalendar().add_business_days(start, n) == reference.get_nth_working_day(start, n)
