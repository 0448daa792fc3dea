"""The sla-monitor's CaseClocks: the two nested clocks of a case and their timers.

- The office's clock: its budget (7 business days) from the receipt to the conclusion.
- The institution's clock: its own budget (default 5, per institution) from the routing to its
  answer, so the office keeps time to review.

What each stage does to them (the README's table says the same):
- information asked of the applicant: both stop (a pause, with its reason); supplied: both run on
  with what was left;
- the institution answers: its clock stops; the office returns the answer: it runs on with what was
  left (the days in review do not count);
- a transfer or re-routing by hand: a new institution clock with a full budget (a new generation);
  the office's clock runs on; one made while information is awaited ends that request's pause, both
  clocks run from the move (pause_ends.py);
- conclusion or withdrawal: both stop for good; a reopening: a new office clock with a full budget
  from the reopening and a new institution clock.
- a new configuration (calendar or budgets, configuration.py): RecomputeDeadlines gives an open case's
  clocks the new budgets and records the due moments before and after (recompute.py).

A due moment is derived from a budget and its pauses (clock.py), never stored as the truth, so a
calendar change recomputes it. FireDueTimers fires each warning, breach and escalation of the current
clocks once (its key is in the state), marked late when it fires after its moment.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from acikkapi_shared.decider import CommandRejected, Decider
from acikkapi_shared.events.base import EventPayload, EventTypes
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
from sla_monitor.domain.calendar import BusinessCalendar, istanbul_date
from sla_monitor.domain.clock import DEFAULT_BUDGET_DAYS, SlaClock, due_moment, due_moment_as_of, is_overdue
from sla_monitor.domain.clock_commands import (
    ChangeInstitution,
    ClockCommand,
    CloseClocks,
    FireDueTimers,
    PauseClocks,
    RecomputeDeadlines,
    ReopenClocks,
    ResumeClocks,
    ResumeInstitutionClock,
    StartClocks,
    StopInstitutionClock,
)
from sla_monitor.domain.configuration import DEFAULT_INSTITUTION_BUDGET_DAYS, ClockConfiguration
from sla_monitor.domain.pause_ends import moved_while_paused, resumed
from sla_monitor.domain.recompute import recomputed
from sla_monitor.domain.timers import Timer, TimerPolicy, timers_of

__all__ = [
    "DEFAULT_INSTITUTION_BUDGET_DAYS",
    "CaseClocks",
    "case_clocks_decider",
    "configured_clocks",
    "next_timer",
]

DEFAULT_POLICY = TimerPolicy()


@dataclass(frozen=True)
class CaseClocks:
    """A case's clocks; `fired` holds the keys of the timers already fired."""

    application_number: str
    office: SlaClock | None = None
    cycle: int = 0  # office clocks so far (a reopening starts the next)
    institution: str | None = None
    institution_clock: SlaClock | None = None
    generation: int = 0  # institution clocks so far
    answered: bool = False  # the institution's clock stopped for its answer
    paused_for: int | None = None  # the information request both clocks wait for
    closed: bool = False
    fired: frozenset[str] = frozenset()
    config_version: str = ""  # the configuration the clocks were last computed with
    office_due_at: datetime | None = None  # the due moments last recorded (None: paused, answered)
    institution_due_at: datetime | None = None


def _timer_key(state: CaseClocks, clock: str, kind: str, step: str) -> str:
    generation = state.cycle if clock == "office" else state.generation
    return f"{clock}:{generation}:{kind}" + (f":{step}" if step else "")


def _institution_started(
    state: CaseClocks, institution: str, clock: SlaClock, due_at: datetime, *, generation: int
) -> CaseClocks:
    waiting = state.paused_for is not None and not state.closed
    if waiting:  # moved while paused: it starts stopped, and the decider's ClocksResumed that follows
        # (or, in an older log, ends the pause before the next stage: pause_ends.py) starts it
        clock = clock.paused(clock.received_at)
    return replace(
        state,
        institution=institution,
        institution_clock=clock,
        generation=generation,
        answered=False,
        institution_due_at=None if waiting else due_at,
    )


def _evolve(state: CaseClocks, event: EventPayload) -> CaseClocks:
    if isinstance(event, DeadlineSet):
        office = SlaClock(received_at=event.received_at, budget_days=event.budget_days)
        started = replace(
            state,
            office=office,
            cycle=state.cycle + 1,
            institution=event.institution,
            config_version=event.config_version,
            office_due_at=event.due_at,
        )
        if event.institution_started_at is None:  # recorded before it carried the first one
            return started
        assert event.institution_budget_days is not None and event.institution_due_at is not None
        return _institution_started(
            started,
            event.institution,
            SlaClock(received_at=event.institution_started_at, budget_days=event.institution_budget_days),
            event.institution_due_at,
            generation=state.generation + 1,
        )
    if isinstance(event, InstitutionDeadlineSet):
        clock = SlaClock(received_at=event.started_at, budget_days=event.budget_days)
        return _institution_started(
            state, event.institution, clock, event.due_at, generation=event.generation
        )
    if isinstance(event, DeadlinesRecomputed):
        return _recomputed(state, event)
    if isinstance(event, ClocksPaused):
        institution: SlaClock | None = state.institution_clock
        if institution is not None and not state.answered:
            institution = institution.paused(event.at)
        paused = state.office.paused(event.at) if state.office else None
        return replace(
            state,
            office=paused,
            institution_clock=institution,
            paused_for=event.request_number,
            office_due_at=None,
            institution_due_at=None,
        )
    if isinstance(event, ClocksResumed):
        running: SlaClock | None = state.institution_clock
        if running is not None and not state.answered and running.is_paused:
            running = running.resumed(event.at)
        office_clock: SlaClock | None = state.office
        if office_clock is not None and office_clock.is_paused:
            office_clock = office_clock.resumed(event.at)
        return replace(
            state,
            office=office_clock,
            institution_clock=running,
            paused_for=None,
            office_due_at=event.office_due_at,
            institution_due_at=event.institution_due_at,
        )
    if isinstance(event, InstitutionClockStopped) and state.institution_clock is not None:
        return replace(
            state,
            institution_clock=state.institution_clock.paused(event.at),
            answered=True,
            institution_due_at=None,
        )
    if isinstance(event, InstitutionClockResumed) and state.institution_clock is not None:
        if state.paused_for is not None:  # returned while the applicant's information is awaited:
            return replace(state, answered=False, institution_due_at=None)  # it runs on when supplied
        return replace(
            state,
            institution_clock=state.institution_clock.resumed(event.at),
            answered=False,
            institution_due_at=event.due_at,
        )
    if isinstance(event, ClocksClosed):
        return replace(state, closed=True, paused_for=None)
    if isinstance(event, ClocksReopened):
        office = SlaClock(received_at=event.at, budget_days=event.budget_days)
        return replace(
            state,
            office=office,
            cycle=event.cycle,
            closed=False,
            config_version=event.config_version,
            office_due_at=event.due_at,
        )
    if isinstance(event, DeadlineWarning):
        return replace(
            state, fired=state.fired | {_timer_key(state, event.clock, "warning", str(event.days_before))}
        )
    if isinstance(event, DeadlineBreached):
        return replace(state, fired=state.fired | {_timer_key(state, event.clock, "breach", "")})
    if isinstance(event, CaseEscalated):
        return replace(state, fired=state.fired | {_timer_key(state, event.clock, "escalation", event.level)})
    return state


def _recomputed(state: CaseClocks, event: DeadlinesRecomputed) -> CaseClocks:
    office = state.office
    if office is not None:
        office = replace(office, budget_days=event.office_budget_days)
    institution = state.institution_clock
    if institution is not None and event.institution_budget_days is not None:
        institution = replace(institution, budget_days=event.institution_budget_days)
    return replace(
        state,
        office=office,
        institution_clock=institution,
        config_version=event.config_version,
        office_due_at=event.office_due_at,
        institution_due_at=event.institution_due_at,
    )


def _not_started() -> CommandRejected:
    return CommandRejected("CLOCKS_NOT_STARTED", "Bu başvurunun süresi henüz başlamadı.")


def case_clocks_decider(
    calendar: BusinessCalendar,
    budget_days: int = DEFAULT_BUDGET_DAYS,
    *,
    institution_budget: Callable[[str], int] = lambda _code: DEFAULT_INSTITUTION_BUDGET_DAYS,
    policy: TimerPolicy = DEFAULT_POLICY,
    config_version: str = "",
) -> Decider[CaseClocks, ClockCommand]:
    """Returns the CaseClocks decider on this calendar, with the office's budget, each institution's
    budget and the timer policy; config_version names them (configuration.py), "" for none."""

    def due(clock: SlaClock) -> datetime:
        moment = due_moment(clock, calendar)
        if moment is None:  # only a paused clock has none
            raise CommandRejected("SLA_NO_DUE_MOMENT", "Başvurunun son tarihi hesaplanamadı.")
        return moment

    def institution_clock(state: CaseClocks, institution: str, at: datetime) -> InstitutionDeadlineSet:
        budget = institution_budget(institution)
        clock = SlaClock(received_at=at, budget_days=budget)
        return InstitutionDeadlineSet(
            application_number=state.application_number,
            institution=institution,
            started_at=at,
            budget_days=budget,
            due_at=due(clock),
            generation=state.generation + 1,
        )

    def start(command: StartClocks, state: CaseClocks) -> list[EventPayload]:
        if state.office is not None:
            return []  # already running: a redelivered routing changes nothing
        office = SlaClock(received_at=command.received_at, budget_days=budget_days)
        first = institution_clock(state, command.institution, command.routed_at or command.received_at)
        return [
            DeadlineSet(
                application_number=command.application_number,
                institution=command.institution,
                received_at=command.received_at,
                budget_days=budget_days,
                due_at=due(office),
                config_version=config_version,
                institution_started_at=first.started_at,
                institution_budget_days=first.budget_days,
                institution_due_at=first.due_at,
            )
        ]

    def decide(command: ClockCommand, state: CaseClocks) -> Sequence[EventPayload]:
        if isinstance(command, FireDueTimers) and state.office is not None:
            return fire(command.now, state)
        events = decide_events(command, state)
        if not events:
            return events
        after = state
        for event in events:
            after = _evolve(after, event)
        # Each event says when the case's next timer is due once they are recorded: the schedule
        # the timer loop reads (a derived value, like due_at).
        scheduled = next_timer(after, calendar, policy)
        return [event.model_copy(update={"next_timer_at": scheduled}) for event in events]

    def decide_events(command: ClockCommand, state: CaseClocks) -> Sequence[EventPayload]:
        if isinstance(command, StartClocks):
            return start(command, state)
        if state.office is None:
            raise _not_started()
        if isinstance(command, ReopenClocks):
            return reopen(command, state)
        if state.closed:
            return []  # a closed case's clocks no longer move (a late or redelivered stage event)
        if isinstance(command, RecomputeDeadlines):
            if command.config_version != config_version:  # an instance still on the old configuration
                raise CommandRejected(
                    "SLA_CONFIG_MISMATCH", "Süre ayarları bu hizmetin ayarlarıyla uyuşmuyor."
                )
            if state.config_version == config_version:
                return []  # already computed with it: a restart or a redelivery changes nothing
            event = recomputed(state, command.at, config_version, calendar, budget_days, institution_budget)
            return [event]
        moved_at = moved_while_paused(state)
        if moved_at is not None and state.paused_for is not None:  # an older log: end it at the move
            ended = resumed(state, calendar, moved_at, state.paused_for)
            return [ended, *decide_events(command, _evolve(state, ended))]
        number = state.application_number
        if isinstance(command, ChangeInstitution):
            return move(command, state)
        if isinstance(command, PauseClocks):
            if state.paused_for is not None:
                return []
            return [
                ClocksPaused(
                    application_number=number,
                    at=command.at,
                    reason="INFORMATION_REQUESTED",
                    request_number=command.request_number,
                )
            ]
        if isinstance(command, ResumeClocks):
            if state.paused_for != command.request_number:
                return []
            # The due moments once the pause ends now (clock.due_moment_as_of).
            return [resumed(state, calendar, command.at, command.request_number)]
        if isinstance(command, StopInstitutionClock):
            if state.answered or state.institution_clock is None:
                return []
            due_at = due_moment_as_of(state.institution_clock, calendar, command.at)
            on_time = not is_overdue(due_at, command.at)
            return [
                InstitutionClockStopped(
                    application_number=number,
                    institution=str(state.institution),
                    at=command.at,
                    on_time=on_time,
                )
            ]
        if isinstance(command, ResumeInstitutionClock):
            if not state.answered or state.institution_clock is None:
                return []
            return [
                InstitutionClockResumed(
                    application_number=number,
                    institution=str(state.institution),
                    at=command.at,
                    due_at=due_moment_as_of(state.institution_clock, calendar, command.at),
                )
            ]
        if isinstance(command, CloseClocks):
            on_time = not is_overdue(due_moment_as_of(_office(state), calendar, command.at), command.at)
            return [
                ClocksClosed(
                    application_number=number,
                    at=command.at,
                    reason=command.reason,
                    on_time=on_time,
                    started_at=_office(state).received_at,
                )
            ]
        raise AssertionError(f"unhandled command {type(command).__name__}")

    def move(command: ChangeInstitution, state: CaseClocks) -> list[EventPayload]:
        moved = institution_clock(state, command.institution, command.at)
        if state.paused_for is None:
            return [moved]
        # The case left INFORMATION_REQUESTED (pause_ends.py): both clocks run again from the move.
        return [moved, resumed(_evolve(state, moved), calendar, command.at, state.paused_for)]

    def reopen(command: ReopenClocks, state: CaseClocks) -> list[EventPayload]:
        if not state.closed:
            return []
        office = SlaClock(received_at=command.at, budget_days=budget_days)
        reopened = ClocksReopened(
            application_number=state.application_number,
            at=command.at,
            budget_days=budget_days,
            due_at=due(office),
            cycle=state.cycle + 1,
            config_version=config_version,
        )
        return [reopened, institution_clock(state, str(state.institution), command.at)]

    def fire(now: datetime, state: CaseClocks) -> list[EventPayload]:
        # One pass (the timer loop's hot path): firing only adds keys to `fired`, so the next timer
        # once these are recorded is the first pending one not due yet, what next_timer would say.
        pending = unfired_timers(state, calendar, policy)
        due = [item for item in pending if item[1].moment <= now]
        scheduled = pending[len(due)][1].moment if len(pending) > len(due) else None
        return [
            _timer_event(state, clock, timer, due_at, now, policy, scheduled) for clock, timer, due_at in due
        ]

    return Decider(
        name="case-clocks",
        initial=lambda number: CaseClocks(application_number=number),
        evolve=_evolve,
        decide=decide,
        events=EventTypes(
            [
                DeadlineSet,
                InstitutionDeadlineSet,
                ClocksPaused,
                ClocksResumed,
                InstitutionClockStopped,
                InstitutionClockResumed,
                ClocksClosed,
                ClocksReopened,
                DeadlinesRecomputed,
                DeadlineWarning,
                DeadlineBreached,
                CaseEscalated,
            ]
        ),
    )


def configured_clocks(
    configuration: ClockConfiguration, policy: TimerPolicy = DEFAULT_POLICY
) -> Decider[CaseClocks, ClockCommand]:
    """Returns the CaseClocks decider on a configuration, named by its version."""
    return case_clocks_decider(
        configuration.business_calendar(),
        configuration.office_budget_days,
        institution_budget=configuration.budget_of,
        policy=policy,
        config_version=configuration.version,
    )


def _office(state: CaseClocks) -> SlaClock:
    if state.office is None:
        raise _not_started()
    return state.office


def _timer_event(
    state: CaseClocks,
    clock: str,
    timer: Timer,
    due_at: datetime,
    now: datetime,
    policy: TimerPolicy,
    next_timer_at: datetime | None,
) -> EventPayload:
    late = now - timer.moment > policy.late_after
    common = {
        "application_number": state.application_number,
        "clock": clock,
        "institution": str(state.institution),
        "due_at": due_at,
        "late": late,
        "next_timer_at": next_timer_at,
    }
    if timer.kind == "warning":
        return DeadlineWarning(**common, days_before=timer.days)
    if timer.kind == "breach":
        return DeadlineBreached(**common)
    return CaseEscalated(**common, level=timer.level)


def unfired_timers(
    state: CaseClocks, calendar: BusinessCalendar, policy: TimerPolicy
) -> list[tuple[str, Timer, datetime]]:
    """Returns (clock, timer, due moment) of every timer of the running clocks not fired yet, in the
    order they fire (ties by key); none while the case is closed or a clock is paused or answered."""
    if state.closed:
        return []
    pending: list[tuple[str, Timer, datetime]] = []
    for clock_name, clock in (("office", state.office), ("institution", state.institution_clock)):
        if clock is None or (clock_name == "institution" and state.answered):
            continue
        due_at = due_moment(clock, calendar)
        if due_at is None:
            continue  # paused: no due moment, no timer
        generation = state.cycle if clock_name == "office" else state.generation
        pending += [
            (clock_name, timer, due_at)
            for timer in timers_of(clock_name, generation, istanbul_date(due_at), calendar, policy)
            if timer.key not in state.fired
        ]
    return sorted(pending, key=lambda item: (item[1].moment, item[1].key))


def next_timer(
    state: CaseClocks, calendar: BusinessCalendar, policy: TimerPolicy = DEFAULT_POLICY
) -> datetime | None:
    """Returns when the case's next unfired timer is due (for the timer loop's schedule), or None."""
    pending = unfired_timers(state, calendar, policy)
    return pending[0][1].moment if pending else None
