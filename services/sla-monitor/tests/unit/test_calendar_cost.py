"""The calendar is cheap: holiday tables are built once per year, not per deadline."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import holidays
import pytest

from sla_monitor.domain import calendar as calendar_module
from sla_monitor.domain.calendar import ISTANBUL, BusinessCalendar, CalendarSettings
from sla_monitor.domain.clock import Pause, SlaClock, due_moment

REQUIRED_PER_SECOND = 200


@pytest.fixture
def empty_holiday_cache() -> Iterator[None]:
    calendar_module.turkish_holidays.cache_clear()
    calendar_module._holiday_dates.cache_clear()
    yield
    calendar_module.turkish_holidays.cache_clear()
    calendar_module._holiday_dates.cache_clear()


def receipts(count: int) -> list[datetime]:
    first = datetime(2026, 1, 1, 8, 0, tzinfo=ISTANBUL)
    return [first + timedelta(minutes=617 * index) for index in range(count)]


@pytest.mark.usefixtures("empty_holiday_cache")
def test_holiday_tables_are_built_once_per_year(monkeypatch: pytest.MonkeyPatch) -> None:
    built_years: list[Any] = []
    real_factory = holidays.country_holidays

    def counting_factory(*args: Any, **kwargs: Any) -> Any:
        built_years.append(kwargs["years"])
        return real_factory(*args, **kwargs)

    monkeypatch.setattr(holidays, "country_holidays", counting_factory)
    for received in receipts(1000):  # 2026-01-01 to 2027-03: two years
        calendar = BusinessCalendar(CalendarSettings(closures=frozenset({received.date()})))
        assert due_moment(SlaClock(received), calendar) is not None
    assert sorted(built_years) == [2026, 2027]


def test_deadlines_are_computed_well_above_the_required_rate() -> None:
    calendar = BusinessCalendar()
    clocks = [
        SlaClock(received, pauses=(Pause(received + timedelta(days=1), received + timedelta(days=3)),))
        for received in receipts(2000)
    ]
    due_moment(clocks[0], calendar)  # warm the per-year cache
    started = time.perf_counter()
    for clock in clocks:
        due_moment(clock, calendar)
    per_second = len(clocks) / (time.perf_counter() - started)
    assert per_second >= REQUIRED_PER_SECOND, f"{per_second:.0f} deadlines/s"
