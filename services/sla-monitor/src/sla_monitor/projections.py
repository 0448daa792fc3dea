"""The sla-monitor's read model (rebuildable from its log): each case's office clock, the moment of
its next timer (the timer loop's schedule), whether it is open and the configuration it was computed
with (the start's recomputation reads both)."""

from __future__ import annotations

from typing import ClassVar

import sqlalchemy as sa

from acikkapi_shared.events.envelope import EventEnvelope
from acikkapi_shared.events.sla_monitor import (
    CaseEscalated,
    ClocksClosed,
    ClocksPaused,
    ClocksReopened,
    ClocksResumed,
    DeadlineBreached,
    DeadlineSet,
    DeadlinesRecomputed,
    DeadlineWarning,
    InstitutionClockResumed,
    InstitutionClockStopped,
    InstitutionDeadlineSet,
)
from acikkapi_shared.eventstore.projection import (
    SET_NULL,
    Insert,
    TableProjector,
    Update,
    Write,
    WriteRule,
    on,
)
from acikkapi_shared.eventstore.schema import UtcDateTime

metadata = sa.MetaData()

clocks = sa.Table(
    "clocks",
    metadata,
    sa.Column("application_number", sa.String(40), primary_key=True),
    sa.Column("institution", sa.String(60), nullable=False),
    sa.Column("received_at", UtcDateTime, nullable=False),
    sa.Column("budget_days", sa.Integer, nullable=False),
    sa.Column("due_at", UtcDateTime, nullable=False, index=True),
    sa.Column("next_timer_at", UtcDateTime, nullable=True, index=True),
    sa.Column("open", sa.Boolean, nullable=False),
    sa.Column("config_version", sa.String(40), nullable=False),
)


def deadline_set(deadline: DeadlineSet, _event: EventEnvelope) -> list[Write]:
    """Returns the row of a case's clock."""
    return [
        Insert(
            clocks,
            {
                "application_number": deadline.application_number,
                "institution": deadline.institution,
                "received_at": deadline.received_at,
                "budget_days": deadline.budget_days,
                "due_at": deadline.due_at,
                "next_timer_at": deadline.next_timer_at,
                "open": True,
                "config_version": deadline.config_version,
            },
        )
    ]


ClockEvent = (
    InstitutionDeadlineSet
    | ClocksPaused
    | ClocksResumed
    | InstitutionClockStopped
    | InstitutionClockResumed
    | ClocksClosed
    | ClocksReopened
    | DeadlinesRecomputed
    | DeadlineWarning
    | DeadlineBreached
    | CaseEscalated
)


def rescheduled(event: ClockEvent, _envelope: EventEnvelope) -> list[Write]:
    """Returns the case's new next-timer moment (cleared when none is pending)."""
    values = {"next_timer_at": event.next_timer_at if event.next_timer_at is not None else SET_NULL}
    extra: dict[str, object] = {}
    if isinstance(event, ClocksReopened):
        extra = {
            "received_at": event.at,
            "budget_days": event.budget_days,
            "due_at": event.due_at,
            "open": True,
            "config_version": event.config_version,
        }
    elif isinstance(event, ClocksResumed):
        extra = {"due_at": event.office_due_at}
    elif isinstance(event, ClocksClosed):
        extra = {"open": False}
    elif isinstance(event, DeadlinesRecomputed):
        extra = {"budget_days": event.office_budget_days, "config_version": event.config_version}
        if event.office_due_at is not None:
            extra["due_at"] = event.office_due_at
    return [Update(clocks, "application_number", event.application_number, {**values, **extra})]


class SlaProjector(TableProjector):
    """The sla-monitor's read model."""

    metadata: ClassVar[sa.MetaData] = metadata
    VERSION: ClassVar[str] = "2"  # 2: open, config_version
    rules: ClassVar[dict[str, WriteRule]] = dict(
        [
            on(DeadlineSet, deadline_set),
            on(InstitutionDeadlineSet, rescheduled),
            on(ClocksPaused, rescheduled),
            on(ClocksResumed, rescheduled),
            on(InstitutionClockStopped, rescheduled),
            on(InstitutionClockResumed, rescheduled),
            on(ClocksClosed, rescheduled),
            on(ClocksReopened, rescheduled),
            on(DeadlinesRecomputed, rescheduled),
            on(DeadlineWarning, rescheduled),
            on(DeadlineBreached, rescheduled),
            on(CaseEscalated, rescheduled),
        ]
    )
