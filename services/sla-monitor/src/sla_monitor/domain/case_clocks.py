"""The sla-monitor's CaseClocks: the office's 7-business-day clock of each routed case.

The clock starts once, when the case is first routed; the due moment is derived from the clock (a
budget and its pauses) and the business calendar, never stored as the truth.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from acikkapi_shared.decider import CommandRejected, Decider
from acikkapi_shared.events.base import EventPayload, EventTypes
from acikkapi_shared.events.sla_monitor import DeadlineSet
from sla_monitor.domain.calendar import BusinessCalendar
from sla_monitor.domain.clock import DEFAULT_BUDGET_DAYS, SlaClock, due_moment


@dataclass(frozen=True)
class StartClocks:
    """Start the clock of a case routed to an institution, counted from the application's receipt."""

    application_number: str
    institution: str
    received_at: datetime


@dataclass(frozen=True)
class CaseClocks:
    application_number: str
    office: SlaClock | None = None
    institution: str | None = None


def _evolve(state: CaseClocks, event: EventPayload) -> CaseClocks:
    if isinstance(event, DeadlineSet):
        clock = SlaClock(received_at=event.received_at, budget_days=event.budget_days)
        return replace(state, office=clock, institution=event.institution)
    return state


def case_clocks_decider(
    calendar: BusinessCalendar, budget_days: int = DEFAULT_BUDGET_DAYS
) -> Decider[CaseClocks, StartClocks]:
    """Returns the CaseClocks decider on this calendar with this budget."""

    def decide(command: StartClocks, state: CaseClocks) -> Sequence[EventPayload]:
        if state.office is not None:
            return []  # already running: a redelivered routing changes nothing
        clock = SlaClock(received_at=command.received_at, budget_days=budget_days)
        due = due_moment(clock, calendar)
        if due is None:  # only a paused clock has none, and a new one is not paused
            raise CommandRejected("SLA_NO_DUE_MOMENT", "Başvurunun son tarihi hesaplanamadı.")
        return [
            DeadlineSet(
                application_number=command.application_number,
                institution=command.institution,
                received_at=command.received_at,
                budget_days=budget_days,
                due_at=due,
            )
        ]

    return Decider(
        name="case-clocks",
        initial=lambda number: CaseClocks(application_number=number),
        evolve=_evolve,
        decide=decide,
        events=EventTypes([DeadlineSet]),
    )
