"""Turkish business-day calendar for SLA deadlines (pure: no I/O, no wall clock).

A business day is Monday to Friday that is neither a Turkish official public holiday nor an extra
closure from configuration (idari izin, administrative leave declared by circular, which no library
knows about). Holidays come from the `holidays` package (Turkey, language "tr"), whose tables
include the moving Ramazan and Kurban bayrams.

Half days (arife, the eve of each bayram, and the 28 Ekim afternoon) are business days by default:
offices work in the morning. `CalendarSettings(half_days_are_business_days=False)` makes them
non-working, which is what including the package's HALF_DAY category means.

Holiday sets are built once per (year, half-day choice) for the whole process and cached, so a
calendar costs a weekday check and a set look-up per day; no holiday object is built per call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

ISTANBUL = ZoneInfo("Europe/Istanbul")

COUNTRY_CODE = "TR"
HOLIDAY_LANGUAGE = "tr"
_SATURDAY = 5
_MAX_BUSINESS_DAYS = 10_000  # a guard against nonsense inputs, ~40 years of business days


@dataclass(frozen=True)
class CalendarSettings:
    """What the office configures: half days' status and extra closures (idari izin)."""

    half_days_are_business_days: bool = True
    closures: frozenset[date] = field(default_factory=frozenset)


@lru_cache(maxsize=256)
def turkish_holidays(year: int, *, include_half_days: bool = False) -> dict[date, str]:
    """Returns the Turkish holidays of `year` (Turkish names), half days included on request."""
    categories: tuple[str, ...] = (holidays.PUBLIC,)
    if include_half_days:
        categories = (holidays.PUBLIC, holidays.HALF_DAY)
    table = holidays.country_holidays(
        COUNTRY_CODE, years=year, language=HOLIDAY_LANGUAGE, categories=categories
    )
    return {day: str(name) for day, name in sorted(table.items())}


@lru_cache(maxsize=256)
def _holiday_dates(year: int, include_half_days: bool) -> frozenset[date]:
    return frozenset(turkish_holidays(year, include_half_days=include_half_days))


def istanbul_date(moment: datetime) -> date:
    """Returns the Istanbul calendar day of an aware instant (22:30Z belongs to the next day)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment.isoformat()}: an offset or time zone is required")
    return moment.astimezone(ISTANBUL).date()


class BusinessCalendar:
    """Answers which days are business days and counts business days forward."""

    def __init__(self, settings: CalendarSettings = CalendarSettings()) -> None:
        self._settings = settings
        self._include_half_days = not settings.half_days_are_business_days
        self._closed_by_year: dict[int, frozenset[date]] = {}

    @property
    def settings(self) -> CalendarSettings:
        """Returns the settings this calendar was built with."""
        return self._settings

    def is_business_day(self, day: date) -> bool:
        """Returns True when `day` is a working day of Turkish public offices."""
        if day.weekday() >= _SATURDAY:
            return False
        return day not in self._closed_days(day.year)

    def add_business_days(self, start: date, n: int) -> date:
        """Returns the n-th business day after `start`; `start` itself is never counted."""
        if n < 0:
            raise ValueError(f"business days must not be negative, got {n}")
        if n > _MAX_BUSINESS_DAYS:
            raise ValueError(f"at most {_MAX_BUSINESS_DAYS} business days, got {n}")
        day = start
        remaining = n
        while remaining:
            day += timedelta(days=1)
            if self.is_business_day(day):
                remaining -= 1
        return day

    def next_business_day(self, day: date) -> date:
        """Returns the first business day strictly after `day`."""
        return self.add_business_days(day, 1)

    def _closed_days(self, year: int) -> frozenset[date]:
        closed = self._closed_by_year.get(year)
        if closed is None:
            own_closures = {day for day in self._settings.closures if day.year == year}
            closed = _holiday_dates(year, self._include_half_days) | own_closures
            self._closed_by_year[year] = closed
        return closed
