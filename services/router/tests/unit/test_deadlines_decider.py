"""The router's copy of a case's SLA facts: given sla-monitor events, the state the inbox shows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from acikkapi_shared.decider import fold
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
from router.domain.deadlines import ClockEvent, Deadlines, RecordClockEvent, SlaState, deadlines
from router.domain.events import SlaRecorded

NUMBER = "2026-000001-N"
T0 = datetime(2026, 5, 22, 11, 0, tzinfo=UTC)
OFFICE_DUE = datetime(2026, 6, 2, 20, 59, 59, tzinfo=UTC)
INSTITUTION_DUE = datetime(2026, 5, 29, 20, 59, 59, tzinfo=UTC)
LATER = INSTITUTION_DUE + timedelta(days=3)


def office_set() -> DeadlineSet:
    return DeadlineSet(
        application_number=NUMBER,
        institution="BELEDIYE_KARS",
        received_at=T0,
        budget_days=7,
        due_at=OFFICE_DUE,
    )


def institution_set(due: datetime = INSTITUTION_DUE, generation: int = 1) -> InstitutionDeadlineSet:
    return InstitutionDeadlineSet(
        application_number=NUMBER,
        institution="BELEDIYE_KARS",
        started_at=T0,
        budget_days=5,
        due_at=due,
        generation=generation,
    )


def warning(clock: str, due: datetime) -> DeadlineWarning:
    return DeadlineWarning(
        application_number=NUMBER,
        clock=clock,
        institution="BELEDIYE_KARS",
        days_before=1,
        due_at=due,
        late=False,
    )


def breach(clock: str, due: datetime) -> DeadlineBreached:
    return DeadlineBreached(
        application_number=NUMBER, clock=clock, institution="BELEDIYE_KARS", due_at=due, late=False
    )


def after(*events: ClockEvent) -> Deadlines:
    """Returns the state after recording these sla-monitor events, each under its own id."""
    state = deadlines.initial(f"sla:{NUMBER}")
    for index, event in enumerate(events):
        for recorded in deadlines.decide(RecordClockEvent(f"e{index}", event), state):
            state = deadlines.evolve(state, recorded)
    return state


def test_the_deadlines_set_make_a_case_on_time_due_at_the_institutions_moment() -> None:
    state = after(office_set(), institution_set())
    assert state.sla_state is SlaState.ON_TIME
    assert state.due_at == INSTITUTION_DUE and state.office.due_at == OFFICE_DUE


def test_one_deadline_set_with_both_clocks_gives_the_same_facts_as_the_two_events_before_it() -> None:
    both = office_set().model_copy(
        update={
            "institution_started_at": T0,
            "institution_budget_days": 5,
            "institution_due_at": INSTITUTION_DUE,
        }
    )
    state = after(both)
    assert state.sla_state is SlaState.ON_TIME and state.due_at == INSTITUTION_DUE
    assert (state.office, state.institution) == (
        after(office_set(), institution_set()).office,
        after(office_set(), institution_set()).institution,
    )
    assert after(office_set()).due_at == OFFICE_DUE  # an old DeadlineSet alone: the office's clock


def test_a_warning_for_the_current_due_moment_makes_it_due_soon_one_for_an_old_moment_does_not() -> None:
    assert after(office_set(), institution_set(), warning("institution", INSTITUTION_DUE)).sla_state is (
        SlaState.DUE_SOON
    )
    stale = after(office_set(), institution_set(LATER), warning("institution", INSTITUTION_DUE))
    assert stale.sla_state is SlaState.ON_TIME


def test_a_breach_stays_until_that_clock_starts_again() -> None:
    breached = (office_set(), institution_set(), breach("institution", INSTITUTION_DUE))
    assert after(*breached).sla_state is SlaState.BREACHED
    resumed = InstitutionClockResumed(
        application_number=NUMBER, institution="BELEDIYE_KARS", at=T0, due_at=LATER
    )
    assert after(*breached, resumed).sla_state is SlaState.BREACHED
    transferred = after(*breached, institution_set(LATER, generation=2))
    assert transferred.sla_state is SlaState.ON_TIME and transferred.due_at == LATER


def test_a_pause_then_the_resumed_due_moments() -> None:
    paused = ClocksPaused(application_number=NUMBER, at=T0, reason="INFORMATION_REQUESTED", request_number=1)
    assert after(office_set(), institution_set(), paused).sla_state is SlaState.PAUSED
    resumed = ClocksResumed(
        application_number=NUMBER,
        at=T0,
        request_number=1,
        office_due_at=OFFICE_DUE + timedelta(days=2),
        institution_due_at=LATER,
    )
    state = after(office_set(), institution_set(), warning("institution", INSTITUTION_DUE), paused, resumed)
    assert state.sla_state is SlaState.ON_TIME  # the warning was for a moment that has moved
    assert state.due_at == LATER and state.office.due_at == OFFICE_DUE + timedelta(days=2)


def test_an_answer_stops_the_institutions_clock_and_the_office_due_moment_counts() -> None:
    stopped = InstitutionClockStopped(
        application_number=NUMBER, institution="BELEDIYE_KARS", at=T0, on_time=True
    )
    state = after(office_set(), institution_set(), stopped)
    assert state.sla_state is SlaState.ON_TIME and state.due_at == OFFICE_DUE
    late = InstitutionClockStopped(
        application_number=NUMBER, institution="BELEDIYE_KARS", at=T0, on_time=False
    )
    assert after(office_set(), institution_set(), late).sla_state is SlaState.BREACHED


def test_closed_then_reopened_with_a_new_office_clock() -> None:
    closed = ClocksClosed(application_number=NUMBER, at=T0, reason="CONCLUDED", on_time=True)
    assert after(office_set(), institution_set(), closed).sla_state is SlaState.CLOSED
    reopened = ClocksReopened(application_number=NUMBER, at=T0, budget_days=7, due_at=LATER, cycle=2)
    state = after(office_set(), institution_set(), breach("office", OFFICE_DUE), closed, reopened)
    assert state.sla_state is SlaState.ON_TIME and state.due_at == LATER


def test_the_same_event_twice_and_one_that_changes_nothing_record_nothing() -> None:
    state = after(office_set())
    again = RecordClockEvent("e0", office_set())
    assert deadlines.decide(again, state) == []
    same_facts = RecordClockEvent("e9", office_set())
    assert deadlines.decide(same_facts, state) == []  # the same facts under another id


def test_the_last_event_is_the_whole_state() -> None:
    state = after(office_set(), institution_set(), warning("office", OFFICE_DUE))
    (last,) = deadlines.decide(RecordClockEvent("e3", breach("office", OFFICE_DUE)), state)
    assert isinstance(last, SlaRecorded) and last.sla_state == "breached"
    assert fold(deadlines, f"sla:{NUMBER}", [last]) == deadlines.evolve(state, last)


def recomputed(office_due: datetime | None, institution_due: datetime | None) -> DeadlinesRecomputed:
    """A new calendar moved the due moments (None: that clock is paused, answered or absent)."""
    return DeadlinesRecomputed(
        application_number=NUMBER,
        at=T0,
        config_version="v2",
        previous_config_version="v1",
        office_budget_days=7,
        office_due_before=OFFICE_DUE,
        office_due_at=office_due,
        institution_budget_days=5,
        institution_due_before=INSTITUTION_DUE,
        institution_due_at=institution_due,
    )


def test_a_recomputation_moves_the_due_moments_of_the_running_clocks() -> None:
    moved = recomputed(OFFICE_DUE + timedelta(days=1), INSTITUTION_DUE + timedelta(days=1))
    state = after(office_set(), institution_set(), moved)
    assert state.due_at == INSTITUTION_DUE + timedelta(days=1)
    assert state.office.due_at == OFFICE_DUE + timedelta(days=1) and state.sla_state is SlaState.ON_TIME
    answered = InstitutionClockStopped(
        application_number=NUMBER, institution="BELEDIYE_KARS", at=T0, on_time=True
    )
    after_answer = after(office_set(), institution_set(), answered, recomputed(LATER, None))
    assert after_answer.due_at == LATER and not after_answer.institution.running


def test_a_recomputation_keeps_a_warning_and_a_breach_the_sla_monitor_will_not_give_again() -> None:
    warned = after(office_set(), institution_set(), warning("institution", INSTITUTION_DUE))
    later = deadlines.evolve(
        warned,
        deadlines.decide(RecordClockEvent("r", recomputed(OFFICE_DUE, LATER)), warned)[0],
    )
    assert later.sla_state is SlaState.DUE_SOON and later.due_at == LATER
    breached = (office_set(), institution_set(), breach("office", OFFICE_DUE))
    assert after(*breached, recomputed(LATER, LATER)).sla_state is SlaState.BREACHED


def test_a_recomputation_while_paused_keeps_the_pause_and_one_that_moves_nothing_records_nothing() -> None:
    paused = ClocksPaused(application_number=NUMBER, at=T0, reason="INFORMATION_REQUESTED", request_number=1)
    state = after(office_set(), institution_set(), paused, recomputed(None, None))
    assert state.sla_state is SlaState.PAUSED and state.office.due_at == OFFICE_DUE
    unchanged = after(office_set(), institution_set())
    same = RecordClockEvent("same", recomputed(OFFICE_DUE, INSTITUTION_DUE))
    assert deadlines.decide(same, unchanged) == []  # a holidays release that moved no day
