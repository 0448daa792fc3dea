"""The SLA clock: a budget of business days plus a log of pauses, from which the due moment follows.

Nothing here stores a deadline: `due_moment` derives it from the clock and a `BusinessCalendar`,
so a new pause, a calendar change (an idari izin declared later) or a replay of the event log
recomputes it exactly. Named `SlaClock` so it does not clash with the injected wall `Clock` port.

The rules, all in Europe/Istanbul:

* The receipt instant is converted to Istanbul time before its day is taken: 2026-03-16T22:30Z is
  01:30 on Tuesday 17 March. The day of receipt is never counted ("süre başladığı gün hesaba
  katılmaz"); a receipt on a weekend or holiday counts the same way, from the next business day.
* Each business day after the day of receipt consumes one day of the budget, unless a pause was in
  effect at any instant of that day: a business day wholly or partly inside a pause is not consumed.
  A pause covers the half-open interval [started_at, ended_at); one ending exactly at midnight does
  not touch the next day, and a zero-length pause has no effect. Overlapping pauses simply merge.
* The due moment is the end of the business day that consumes the last day of the budget, expressed
  at second precision as `YYYY-MM-DDT23:59:59+03:00`. The application is overdue from the following
  midnight on (see `is_overdue`), so 23:59:59.5 is still on time.
* An open pause covers every day from its start onwards. If the budget runs out before it, the due
  moment stands (pausing cannot undo a deadline already reached); otherwise `due_moment` returns
  None: a stopped clock has no due moment. `due_moment_as_of(..., now)` gives the projection
  "if the pause ended now", for displays.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from sla_monitor.domain.calendar import ISTANBUL, BusinessCalendar, istanbul_date

DEFAULT_BUDGET_DAYS = 7
MAX_BUDGET_DAYS = 10_000
END_OF_DAY = time(23, 59, 59)
_ONE_DAY = timedelta(days=1)
_JUST_BEFORE = timedelta(microseconds=1)


def _require_aware(moment: datetime, what: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got naive {moment.isoformat()}")


@dataclass(frozen=True)
class Pause:
    """A stretch of time during which the clock stood still; `ended_at` is None while it lasts."""

    started_at: datetime
    ended_at: datetime | None = None

    def __post_init__(self) -> None:
        _require_aware(self.started_at, "pause start")
        if self.ended_at is not None:
            _require_aware(self.ended_at, "pause end")
            if self.ended_at < self.started_at:
                raise ValueError(
                    f"pause ends ({self.ended_at.isoformat()}) before it starts "
                    f"({self.started_at.isoformat()})"
                )

    @property
    def is_open(self) -> bool:
        """Returns True while the pause has not ended."""
        return self.ended_at is None

    def ended(self, at: datetime) -> Pause:
        """Returns this pause closed at `at`."""
        return replace(self, ended_at=at)


@dataclass(frozen=True)
class SlaClock:
    """A deadline's inputs: when the application was received, its budget and its pauses."""

    received_at: datetime
    budget_days: int = DEFAULT_BUDGET_DAYS
    pauses: tuple[Pause, ...] = ()

    def __post_init__(self) -> None:
        _require_aware(self.received_at, "received_at")
        if not 1 <= self.budget_days <= MAX_BUDGET_DAYS:
            raise ValueError(f"budget must be 1..{MAX_BUDGET_DAYS} business days")

    @property
    def is_paused(self) -> bool:
        """Returns True when some pause is still open."""
        return any(pause.is_open for pause in self.pauses)

    def paused(self, at: datetime) -> SlaClock:
        """Returns the clock with a new open pause starting at `at`."""
        if self.is_paused:
            raise ValueError("the clock is already paused")
        return replace(self, pauses=(*self.pauses, Pause(started_at=at)))

    def resumed(self, at: datetime) -> SlaClock:
        """Returns the clock with its open pause ended at `at`."""
        if not self.is_paused:
            raise ValueError("the clock is not paused")
        return self.with_open_pauses_ended(at)

    def with_open_pauses_ended(self, at: datetime) -> SlaClock:
        """Returns the clock as if every open pause ended at `at` (or at its start, if later)."""
        pauses = tuple(
            pause.ended(max(at, pause.started_at)) if pause.is_open else pause for pause in self.pauses
        )
        return replace(self, pauses=pauses)


def end_of_day(day: date) -> datetime:
    """Returns the last second of an Istanbul day, e.g. 2026-03-27T23:59:59+03:00."""
    return datetime.combine(day, END_OF_DAY, tzinfo=ISTANBUL)


def is_overdue(due: datetime, now: datetime) -> bool:
    """Returns True once `now` has reached the Istanbul midnight after the due moment."""
    return istanbul_date(now) > istanbul_date(due)


def due_moment(clock: SlaClock, calendar: BusinessCalendar) -> datetime | None:
    """Returns the due moment in Europe/Istanbul, or None while an open pause holds it back."""
    day = due_day(clock, calendar)
    return None if day is None else end_of_day(day)


def due_moment_as_of(clock: SlaClock, calendar: BusinessCalendar, now: datetime) -> datetime:
    """Returns the due moment if every open pause ended at `now`."""
    day = due_day(clock.with_open_pauses_ended(now), calendar)
    if day is None:  # unreachable: no pause is open any more
        raise AssertionError("a clock without open pauses always has a due day")
    return end_of_day(day)


def due_day(clock: SlaClock, calendar: BusinessCalendar) -> date | None:
    """Returns the Istanbul day whose end is the deadline, or None while an open pause holds it."""
    closed_spans, open_from = _paused_days(clock.pauses)
    return _due_day(istanbul_date(clock.received_at), clock.budget_days, closed_spans, open_from, calendar)


# The walk depends only on days, and a timer burst decides thousands of cases received on a few
# days with the same budget: it is done once per (day of receipt, budget, paused days, calendar)
# instead of once per clock and decision (a fifth of a burst's CPU). A calendar is immutable.
@lru_cache(maxsize=8192)
def _due_day(
    received: date,
    budget_days: int,
    closed_spans: tuple[tuple[date, date], ...],
    open_from: date | None,
    calendar: BusinessCalendar,
) -> date | None:
    day = received
    remaining = budget_days
    while remaining:
        day += _ONE_DAY
        if open_from is not None and day >= open_from:
            return None
        if not calendar.is_business_day(day):
            continue
        if any(first <= day <= last for first, last in closed_spans):
            continue
        remaining -= 1
    return day


def running_business_days(clock: SlaClock, calendar: BusinessCalendar, as_of: datetime) -> int:
    """Returns how many business days after the day of receipt, up to as_of's Istanbul day, the clock
    ran: not paused at any instant of them (its budget not capped; the nested clocks' invariant, the
    office's is never below the institution's, is stated with it)."""
    closed_spans, open_from = _paused_days(clock.pauses)
    last = istanbul_date(as_of)
    day = istanbul_date(clock.received_at)
    count = 0
    while day < last:
        day += _ONE_DAY
        if open_from is not None and day >= open_from:
            break
        if calendar.is_business_day(day) and not any(first <= day <= end for first, end in closed_spans):
            count += 1
    return count


def _paused_days(pauses: tuple[Pause, ...]) -> tuple[tuple[tuple[date, date], ...], date | None]:
    """Returns the Istanbul day spans closed pauses touch, and the first day of any open pause."""
    spans: list[tuple[date, date]] = []
    open_from: date | None = None
    for pause in pauses:
        first = istanbul_date(pause.started_at)
        if pause.ended_at is None:
            open_from = first if open_from is None else min(open_from, first)
        elif pause.ended_at > pause.started_at:
            spans.append((first, istanbul_date(pause.ended_at - _JUST_BEFORE)))
    return tuple(spans), open_from
