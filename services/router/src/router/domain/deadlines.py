"""The router's copy of a case's SLA facts: due moments and state, from the sla-monitor's events.

A service's state is rebuilt only from its own log, so each sla-monitor event the router hears becomes
a RecordClockEvent command on the case's `sla:<number>` stream, and what it changes is recorded as an
SlaRecorded (the whole picture, so a fold reads only the last event). The state, in order of
precedence: closed, paused, breached (a clock's due moment passed: it stays so until that clock starts
again), due_soon (a warning for a clock's current due moment, or for the one a recomputation then
moved), on_time. A recomputation (DeadlinesRecomputed: a new calendar or budgets) moves the due moments
of the clocks that run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import get_args

from acikkapi_shared.decider import Decider
from acikkapi_shared.events.base import EventPayload, EventTypes
from acikkapi_shared.events.sla_monitor import (
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
from router.domain.events import SlaRecorded

ClockEvent = (
    DeadlineSet
    | InstitutionDeadlineSet
    | ClocksPaused
    | ClocksResumed
    | InstitutionClockStopped
    | InstitutionClockResumed
    | ClocksClosed
    | ClocksReopened
    | DeadlineWarning
    | DeadlineBreached
    | DeadlinesRecomputed
)
CLOCK_EVENTS: tuple[type[EventPayload], ...] = get_args(ClockEvent)


class SlaState(StrEnum):
    """How a case stands against its due moments."""

    ON_TIME = "on_time"
    DUE_SOON = "due_soon"
    BREACHED = "breached"
    PAUSED = "paused"
    CLOSED = "closed"


@dataclass(frozen=True)
class ClockFacts:
    """One clock (the office's or the institution's) as the sla-monitor last described it."""

    due_at: datetime | None = None
    running: bool = False
    warned: bool = False  # a warning was given for the current due moment
    breached: bool = False  # a due moment of this clock's current run passed

    def started(self, due_at: datetime) -> ClockFacts:
        """Returns the clock started afresh (a new budget): earlier warnings and breaches are gone."""
        return ClockFacts(due_at=due_at, running=True)

    def moved(self, due_at: datetime | None) -> ClockFacts:
        """Returns the clock running again towards due_at; a warning counts only for its own moment."""
        if due_at is None:
            return replace(self, running=False)
        return replace(self, due_at=due_at, running=True, warned=self.warned and due_at == self.due_at)

    def recomputed(self, due_at: datetime | None) -> ClockFacts:
        """Returns the running clock with the due moment a new calendar or budget gives it (None: paused
        or stopped, unchanged). Its warning and breach stay: the sla-monitor keeps its fired timers
        through a recomputation and will not warn again for the moved moment."""
        return self if due_at is None else replace(self, due_at=due_at, running=True)


@dataclass(frozen=True)
class Deadlines:
    """A case's SLA facts in the router."""

    application_number: str
    office: ClockFacts = ClockFacts()
    institution: ClockFacts = ClockFacts()
    paused: bool = False
    closed: bool = False
    last_source_event_id: str | None = None

    @property
    def sla_state(self) -> SlaState:
        """Returns the state the inbox shows."""
        if self.closed:
            return SlaState.CLOSED
        if self.paused:
            return SlaState.PAUSED
        if self.office.breached or self.institution.breached:
            return SlaState.BREACHED
        if self.office.warned or (self.institution.running and self.institution.warned):
            return SlaState.DUE_SOON
        return SlaState.ON_TIME

    @property
    def due_at(self) -> datetime | None:
        """Returns the due moment that matters next: the institution's while it runs, else the office's."""
        if self.institution.running and self.institution.due_at is not None:
            return self.institution.due_at
        return self.office.due_at


@dataclass(frozen=True)
class RecordClockEvent:
    """Record what one sla-monitor event says about the case's clocks (source_event_id: its id)."""

    source_event_id: str
    event: ClockEvent


def _with_clock(state: Deadlines, clock: str, facts: ClockFacts) -> Deadlines:
    return replace(state, office=facts) if clock == "office" else replace(state, institution=facts)


def _clock(state: Deadlines, clock: str) -> ClockFacts:
    return state.office if clock == "office" else state.institution


def facts_after(state: Deadlines, event: ClockEvent) -> Deadlines:
    """Returns the facts after one sla-monitor event (pure: the heart of the decider)."""
    if isinstance(event, DeadlineSet):
        started = replace(state, office=state.office.started(event.due_at), paused=False, closed=False)
        if event.institution_due_at is None:  # recorded before it carried the institution's clock
            return started
        return replace(started, institution=state.institution.started(event.institution_due_at))
    if isinstance(event, ClocksReopened):
        return replace(
            state,
            office=state.office.started(event.due_at),
            institution=replace(state.institution, running=False),
            paused=False,
            closed=False,
        )
    if isinstance(event, InstitutionDeadlineSet):
        return replace(state, institution=state.institution.started(event.due_at))
    if isinstance(event, InstitutionClockResumed):
        return replace(state, institution=state.institution.moved(event.due_at))
    if isinstance(event, InstitutionClockStopped):
        stopped = replace(state.institution, running=False, warned=False)
        return replace(state, institution=replace(stopped, breached=stopped.breached or not event.on_time))
    if isinstance(event, DeadlinesRecomputed):
        return replace(
            state,
            office=state.office.recomputed(event.office_due_at),
            institution=state.institution.recomputed(event.institution_due_at),
        )
    if isinstance(event, ClocksPaused):
        return replace(state, paused=True)
    if isinstance(event, ClocksResumed):
        institution = state.institution
        if institution.running or event.institution_due_at is not None:
            institution = institution.moved(event.institution_due_at)
        return replace(
            state, office=state.office.moved(event.office_due_at), institution=institution, paused=False
        )
    if isinstance(event, ClocksClosed):
        office = replace(state.office, running=False, breached=state.office.breached or not event.on_time)
        return replace(
            state, office=office, institution=replace(state.institution, running=False), closed=True
        )
    facts = _clock(state, event.clock)
    if facts.due_at is None:
        facts = replace(facts, due_at=event.due_at, running=True)
    if isinstance(event, DeadlineWarning):
        if event.due_at == facts.due_at:
            return _with_clock(state, event.clock, replace(facts, warned=True))
        return state  # a warning for a due moment that has moved since
    return _with_clock(state, event.clock, replace(facts, breached=True))


def recorded(state: Deadlines, source_event_id: str, source_type: str) -> SlaRecorded:
    """Returns the event recording these facts."""
    return SlaRecorded(
        application_number=state.application_number,
        source_event_id=source_event_id,
        source_type=source_type,
        sla_state=state.sla_state.value,
        due_at=state.due_at,
        office_due_at=state.office.due_at,
        office_running=state.office.running,
        office_warned=state.office.warned,
        office_breached=state.office.breached,
        institution_due_at=state.institution.due_at,
        institution_running=state.institution.running,
        institution_warned=state.institution.warned,
        institution_breached=state.institution.breached,
        paused=state.paused,
        closed=state.closed,
    )


def _evolve(state: Deadlines, event: EventPayload) -> Deadlines:
    if not isinstance(event, SlaRecorded):
        return state
    return Deadlines(
        application_number=event.application_number,
        office=ClockFacts(
            event.office_due_at, event.office_running, event.office_warned, event.office_breached
        ),
        institution=ClockFacts(
            event.institution_due_at,
            event.institution_running,
            event.institution_warned,
            event.institution_breached,
        ),
        paused=event.paused,
        closed=event.closed,
        last_source_event_id=event.source_event_id,
    )


def _decide(command: RecordClockEvent, state: Deadlines) -> Sequence[EventPayload]:
    if command.source_event_id == state.last_source_event_id:
        return []  # the same sla-monitor event again
    after = facts_after(state, command.event)
    if replace(after, last_source_event_id=None) == replace(state, last_source_event_id=None):
        return []  # nothing the inbox shows has changed
    return [recorded(after, command.source_event_id, command.event.TYPE)]


def deadline_stream(application_number: str) -> str:
    """Returns the stream of a case's SLA facts in the router's log."""
    return f"sla:{application_number}"


deadlines: Decider[Deadlines, RecordClockEvent] = Decider(
    name="deadlines",
    initial=lambda stream_id: Deadlines(application_number=stream_id.removeprefix("sla:")),
    evolve=_evolve,
    decide=_decide,
    events=EventTypes([SlaRecorded]),
    state_in_last_event=True,
)
