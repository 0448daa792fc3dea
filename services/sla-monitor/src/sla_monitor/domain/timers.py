"""When a clock's timers fire: warnings before the due moment, the breach, and escalations after it.

Pure: from a due day, the calendar and the policy, the moments of every timer of one clock. A timer's
key names the clock, its generation and the step, so the decider fires each one once: a pause that
moves the due day does not fire a warning again, a new clock (a transfer, a reopening) has its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from sla_monitor.domain.calendar import ISTANBUL, BusinessCalendar
from sla_monitor.domain.clock import end_of_day


@dataclass(frozen=True)
class TimerPolicy:
    """The warning ladder (business days before the due day) and each clock's escalation ladder
    (level, business days after the due day): an institution late with its answer goes to the
    office, then to the supervisor; the office late with its conclusion goes to the supervisor."""

    warning_days: tuple[int, ...] = (2, 1)
    institution_escalations: tuple[tuple[str, int], ...] = (("office", 1), ("supervisor", 3))
    office_escalations: tuple[tuple[str, int], ...] = (("supervisor", 1),)
    late_after: timedelta = timedelta(minutes=1)  # a timer fired later than this is marked late

    def __post_init__(self) -> None:
        if any(days < 1 for days in self.warning_days):
            raise ValueError("warnings come at least one business day before the due day")
        if any(days < 0 for _, days in (*self.institution_escalations, *self.office_escalations)):
            raise ValueError("escalations come after the breach")


@dataclass(frozen=True)
class Timer:
    """One timer of one clock: its key, when it is due and what it is."""

    key: str
    moment: datetime
    kind: str  # warning, breach, escalation
    days: int  # warning: days before; escalation: days after the breach
    level: str = ""  # escalation: office, supervisor


def start_of(day: date) -> datetime:
    """Returns Istanbul midnight at the start of the day."""
    return datetime.combine(day, time(0, 0), tzinfo=ISTANBUL)


def business_days_before(day: date, n: int, calendar: BusinessCalendar) -> date:
    """Returns the n-th business day before `day` (day itself not counted)."""
    current, remaining = day, n
    while remaining:
        current -= timedelta(days=1)
        if calendar.is_business_day(current):
            remaining -= 1
    return current


def timers_of(
    clock: str, generation: int, due_day: date, calendar: BusinessCalendar, policy: TimerPolicy
) -> list[Timer]:
    """Returns every timer of a clock whose due day is due_day, in the order they fire."""
    return list(_timers(clock, generation, due_day, calendar, policy))


# Every clock decision asks for its case's next timer, and most cases share a handful of due days:
# the business-day walks are done once per (clock, generation, due day) instead of per decision.
# A calendar is immutable once built, and the cache keeps the ones it was asked about alive.
@lru_cache(maxsize=4096)
def _timers(
    clock: str, generation: int, due_day: date, calendar: BusinessCalendar, policy: TimerPolicy
) -> tuple[Timer, ...]:
    prefix = f"{clock}:{generation}"
    timers = [
        Timer(
            f"{prefix}:warning:{days}",
            start_of(business_days_before(due_day, days, calendar)),
            "warning",
            days,
        )
        for days in sorted(set(policy.warning_days), reverse=True)
    ]
    breach = end_of_day(due_day) + timedelta(seconds=1)  # overdue from the following midnight
    timers.append(Timer(f"{prefix}:breach", breach, "breach", 0))
    timers += [
        Timer(
            f"{prefix}:escalation:{level}",
            end_of_day(calendar.add_business_days(due_day, days)) + timedelta(seconds=1),
            "escalation",
            days,
            level,
        )
        for level, days in (
            policy.office_escalations if clock == "office" else policy.institution_escalations
        )
    ]
    return tuple(sorted(timers, key=lambda timer: timer.moment))
