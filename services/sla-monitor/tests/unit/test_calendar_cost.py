"""The calendar is cheap: holiday tables are built once per year, not per deadline (the rate itself is
measured by bench/sla_deadlines.py, not asserted in a test)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import holidays
import pytest

from sla_monitor.domain import calendar as calendar_module
from sla_monitor.domain.calendar import ISTANBUL, BusinessCalendar, CalendarSettings
from sla_monitor.domain.clock import SlaClock, due_moment


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
