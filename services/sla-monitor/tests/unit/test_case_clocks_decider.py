"""The sla-monitor's CaseClocks decider, given events / when a command / then events: no database.

Dates are checked by hand against the Turkish calendar of 2026 (Ramazan Bayramı 20-22 March, with
its arife on the 19th a business day; Kurban Bayramı 26-30 May; 19 May a public holiday).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from acikkapi_shared.decider import CommandRejected, fold
from acikkapi_shared.events.base import EventPayload
from acikkapi_shared.events.sla_monitor import (
    ClocksClosed,
    ClocksPaused,
    ClocksReopened,
    ClocksResumed,
    DeadlineBreached,
    DeadlineSet,
    InstitutionClockResumed,
    InstitutionClockStopped,
    InstitutionDeadlineSet,
)
from acikkapi_shared.testing.in_process import decide_after
from sla_monitor.domain.calendar import BusinessCalendar, istanbul_date
from sla_monitor.domain.case_clocks import CaseClocks, case_clocks_decider, next_timer
from sla_monitor.domain.clock import due_moment
from sla_monitor.domain.clock_commands import (
    ChangeInstitution,
    ClockCommand,
    CloseClocks,
    FireDueTimers,
    PauseClocks,
    ReopenClocks,
    ResumeClocks,
    ResumeInstitutionClock,
    StartClocks,
    StopInstitutionClock,
)

ISTANBUL = ZoneInfo("Europe/Istanbul")
NUMBER = "2026-000001-N"
calendar = BusinessCalendar()
clocks = case_clocks_decider(calendar, institution_budget=lambda code: 3 if code == "SAGLIK" else 5)


def at(day: int, month: int = 3, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=ISTANBUL)


def end(day: int, month: int = 3) -> datetime:
    return datetime(2026, month, day, 23, 59, 59, tzinfo=ISTANBUL)


def run(history: list[EventPayload], *commands: ClockCommand) -> list[EventPayload]:
    events = list(history)
    for command in commands:
        events += decide_after(clocks, NUMBER, events, command)
    return events


def state_of(events: list[EventPayload]) -> CaseClocks:
    return fold(clocks, NUMBER, events)


STARTED = run([], StartClocks(NUMBER, "BELEDIYE_KARS", at(17)))  # Tuesday 17 March


def test_a_routed_case_gets_the_office_clock_and_the_institution_clock_in_one_event() -> None:
    (started,) = STARTED
    assert isinstance(started, DeadlineSet) and started.budget_days == 7 and started.due_at == end(27)
    # 18, 19 (arife, a business day), 23, 24, 25: five business days, the 20th a holiday.
    assert (started.institution_budget_days, started.institution_due_at) == (5, end(25))
    assert started.institution_started_at == at(17)
    state = state_of(STARTED)
    assert (state.generation, state.institution_due_at, state.office_due_at) == (1, end(25), end(27))
    assert decide_after(clocks, NUMBER, STARTED, StartClocks(NUMBER, "BELEDIYE_KARS", at(17))) == []


def test_a_deadline_set_recorded_before_it_carried_the_institution_clock_still_folds() -> None:
    (started,) = STARTED
    office_only = started.model_copy(
        update={"institution_started_at": None, "institution_budget_days": None, "institution_due_at": None}
    )
    first = InstitutionDeadlineSet(
        application_number=NUMBER,
        institution="BELEDIYE_KARS",
        started_at=at(17),
        budget_days=5,
        due_at=end(25),
        generation=1,
    )
    assert state_of([office_only, first]) == state_of(STARTED)
    assert state_of([office_only]).institution_clock is None


def test_the_office_clock_over_kurban_bayrami() -> None:
    (started,) = run([], StartClocks(NUMBER, "BELEDIYE_KARS", at(22, 5, 14)))
    assert isinstance(started, DeadlineSet) and started.due_at == end(5, 6)  # Friday 22 May → Friday 5 June


def test_the_institution_clock_counts_from_the_routing_with_its_own_budget() -> None:
    (started,) = run([], StartClocks(NUMBER, "SAGLIK", at(16), routed_at=at(18)))
    assert isinstance(started, DeadlineSet)
    assert (started.institution_budget_days, started.institution_due_at) == (3, end(24))  # 19, 23, 24


def test_information_asked_stops_both_clocks_and_they_resume_with_what_was_left() -> None:
    events = run(STARTED, PauseClocks(at(18), 1))
    assert isinstance(events[-1], ClocksPaused) and events[-1].reason == "INFORMATION_REQUESTED"
    assert next_timer(state_of(events), calendar) is None  # a stopped clock has no timer
    events = run(events, ResumeClocks(at(24), 1))  # 18 through 24 touched by the pause: not counted
    resumed = events[-1]
    assert isinstance(resumed, ClocksResumed)
    # Office: 25, 26, 27, 30, 31 March, 1, 2 April; institution: 25, 26, 27, 30, 31 March.
    assert resumed.office_due_at == end(2, 4) and resumed.institution_due_at == end(31)
    # Pausing never makes a due moment earlier; a repeated or stale resume changes nothing.
    assert decide_after(clocks, NUMBER, events, ResumeClocks(at(25), 1)) == []
    assert decide_after(clocks, NUMBER, events, ResumeClocks(at(25), 2)) == []


def test_an_answer_stops_the_institution_clock_and_a_return_resumes_it_without_the_review_days() -> None:
    events = run(STARTED, StopInstitutionClock(at(23)))
    stopped = events[-1]
    assert isinstance(stopped, InstitutionClockStopped) and stopped.on_time
    events = run(events, ResumeInstitutionClock(at(26)))  # 23, 24, 25, 26 in review: not counted
    resumed = events[-1]
    # Used 18, 19 before the answer; three left: 27, 30, 31.
    assert isinstance(resumed, InstitutionClockResumed) and resumed.due_at == end(31)


def test_an_answer_after_the_due_moment_is_stopped_late() -> None:
    events = run(STARTED, StopInstitutionClock(at(26)))
    assert isinstance(events[-1], InstitutionClockStopped) and not events[-1].on_time


def test_a_transfer_starts_a_new_institution_clock_and_the_office_clock_runs_on() -> None:
    events = run(STARTED, ChangeInstitution("SAGLIK", at(19)))
    moved = events[-1]
    assert isinstance(moved, InstitutionDeadlineSet)
    assert (moved.institution, moved.generation, moved.due_at) == ("SAGLIK", 2, end(25))  # 23, 24, 25
    assert state_of(events).office == state_of(STARTED).office


def test_conclusion_closes_the_clocks_and_an_objection_opens_new_ones_under_the_same_number() -> None:
    events = run(STARTED, CloseClocks(at(26), "CONCLUDED"))
    closed = events[-1]
    assert isinstance(closed, ClocksClosed) and closed.on_time and closed.reason == "CONCLUDED"
    assert closed.started_at == at(17)  # the receipt: the time to conclusion is measured from it
    assert run(events, PauseClocks(at(27), 1)) == events  # a closed case's clocks no longer move
    assert decide_after(clocks, NUMBER, events, FireDueTimers(at(10, 4))) == []
    events = run(events, ReopenClocks(at(30)))
    reopened, institution = events[-2:]
    assert isinstance(reopened, ClocksReopened) and reopened.cycle == 2 and reopened.due_at == end(8, 4)
    assert isinstance(institution, InstitutionDeadlineSet) and institution.generation == 2


def test_a_withdrawal_closes_the_clocks_and_a_late_conclusion_is_said_to_be_late() -> None:
    withdrawn = run(STARTED, CloseClocks(at(18), "WITHDRAWN"))
    assert isinstance(withdrawn[-1], ClocksClosed) and withdrawn[-1].reason == "WITHDRAWN"
    late = run(STARTED, CloseClocks(at(30), "CONCLUDED"))
    assert isinstance(late[-1], ClocksClosed) and not late[-1].on_time


def test_warnings_breach_and_escalations_fire_once_each_in_order() -> None:
    # Institution due Wed 25: warnings at the start of Mon 23 (2 business days before) and Tue 24
    # (1), breach at the midnight after the 25th, to the office after one more business day (27
    # 00:00), to the supervisor after three (31 00:00). Office due Fri 27: warnings on 25 and 26,
    # breach 28 00:00, to the supervisor after one more business day (31 00:00).
    first = decide_after(clocks, NUMBER, STARTED, FireDueTimers(at(24, hour=0) + timedelta(seconds=30)))
    events = STARTED + list(first)
    assert decide_after(clocks, NUMBER, events, FireDueTimers(at(24, hour=12))) == []  # never twice
    events = run(events, FireDueTimers(at(26, hour=0)), FireDueTimers(at(1, 4)))
    assert decide_after(clocks, NUMBER, events, FireDueTimers(at(30, 4))) == []  # all fired, once
    fired = [
        (type(e).__name__, e.clock, getattr(e, "days_before", None) or getattr(e, "level", None), e.late)  # type: ignore[attr-defined]
        for e in events[len(STARTED) :]
    ]
    assert fired == [
        ("DeadlineWarning", "institution", 2, True),  # 23 00:00, fired 24 00:00:30
        ("DeadlineWarning", "institution", 1, False),  # 24 00:00, 30 s after: on time
        ("DeadlineWarning", "office", 2, True),
        ("DeadlineBreached", "institution", None, False),  # 26 00:00, fired then; at the same moment
        ("DeadlineWarning", "office", 1, False),  # as this one: ties go by timer key
        ("CaseEscalated", "institution", "office", True),
        ("DeadlineBreached", "office", None, True),
        ("CaseEscalated", "institution", "supervisor", True),
        ("CaseEscalated", "office", "supervisor", True),
    ]
    breach = next(e for e in events if isinstance(e, DeadlineBreached))
    assert breach.due_at == end(25) and breach.institution == "BELEDIYE_KARS"
    assert next_timer(state_of(events), calendar) is None


def test_a_service_down_across_a_due_moment_fires_on_start_marked_late() -> None:
    (breach, *_rest) = [
        e
        for e in decide_after(clocks, NUMBER, STARTED, FireDueTimers(at(27)))
        if isinstance(e, DeadlineBreached)
    ]
    assert breach.late


def test_an_answered_institution_has_no_timers_and_a_new_clock_has_its_own() -> None:
    answered = run(STARTED, StopInstitutionClock(at(19)))
    fired = decide_after(clocks, NUMBER, answered, FireDueTimers(at(26, hour=1)))
    assert all(getattr(e, "clock", None) == "office" for e in fired)
    warned = run(STARTED, FireDueTimers(at(24, hour=1)))
    moved = run(warned, ChangeInstitution("SAGLIK", at(24, hour=2)))  # generation 2: due 27 March
    again = decide_after(clocks, NUMBER, moved, FireDueTimers(at(26, hour=1)))
    assert [
        (type(e).__name__, getattr(e, "days_before", 0))
        for e in again
        if getattr(e, "clock", "") == "institution"
    ] == [
        ("DeadlineWarning", 2),
        ("DeadlineWarning", 1),
    ]


def test_commands_before_the_clocks_start_are_rejected() -> None:
    with pytest.raises(CommandRejected) as rejected:
        decide_after(clocks, NUMBER, [], PauseClocks(at(18), 1))
    assert rejected.value.code == "CLOCKS_NOT_STARTED"


MOMENTS = st.builds(
    lambda days, hours: at(17) + timedelta(days=days, hours=hours),
    st.integers(min_value=0, max_value=40),
    st.integers(min_value=0, max_value=23),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(MOMENTS, MOMENTS), max_size=4))
def test_pausing_never_brings_a_due_moment_forward_and_it_is_always_a_business_day(
    pauses: list[tuple[datetime, datetime]],
) -> None:
    events = list(STARTED)
    for number, (first, second) in enumerate(sorted(pauses), start=1):
        start, stop = min(first, second), max(first, second)
        events = run(events, PauseClocks(start, number), ResumeClocks(stop, number))
    state = state_of(events)
    assert state.office is not None and state.institution_clock is not None
    for clock, unpaused in ((state.office, end(27)), (state.institution_clock, end(25))):
        due = due_moment(clock, calendar)
        assert due is not None and due >= unpaused and calendar.is_business_day(istanbul_date(due))
    assert fold(clocks, NUMBER, events) == state  # replaying the same events gives the same clocks


# A case re-routed by hand or transferred while information is asked of the applicant (pause_ends.py):
# the request is over, both clocks run from the move, and a later request pauses them again.
ASKED = run(STARTED, PauseClocks(at(18), 1))  # received Tuesday 17 March, asked Wednesday 18
MOVED = run(ASKED, ChangeInstitution("CEVRE", at(19)))  # re-routed by hand (or transferred) on 19


def test_a_move_while_information_is_awaited_ends_the_request_and_both_clocks_run_from_it() -> None:
    moved, ended = MOVED[len(ASKED) :]
    assert isinstance(moved, InstitutionDeadlineSet) and isinstance(ended, ClocksResumed)
    assert (ended.at, ended.request_number) == (at(19), 1)
    # CEVRE from the 19th: 23-27 March (the 20th a holiday). The office: 18 and 19 touched by the
    # pause, its seven days 23-27, 30, 31 March.
    assert ended.institution_due_at == moved.due_at == end(27)
    assert ended.office_due_at == end(31)
    state = state_of(MOVED)
    assert state.paused_for is None and state.office_due_at == end(31) and state.institution_due_at == end(27)
    assert next_timer(state, calendar) is not None  # it can warn and breach again


def _asked_again_and_answered(moved: list[EventPayload]) -> list[EventPayload]:
    """The new institution asks on Tuesday 24 March (request 2); the applicant answers on the 26th."""
    asked = run(moved, PauseClocks(at(24), 2))
    assert isinstance(asked[-1], ClocksPaused) and asked[-1].request_number == 2
    answered = run(asked, ResumeClocks(at(26), 2))
    resumed = answered[-1]
    assert isinstance(resumed, ClocksResumed) and resumed.request_number == 2
    # 23 used, 24-26 paused: the office's six left 27, 30, 31 March, 1-3 April; CEVRE's four 27, 30,
    # 31 March, 1 April.
    assert (resumed.office_due_at, resumed.institution_due_at) == (end(3, 4), end(1, 4))
    return answered


def test_after_a_move_a_new_request_pauses_the_clocks_and_its_answer_resumes_them() -> None:
    answered = _asked_again_and_answered(MOVED)
    fired = decide_after(clocks, NUMBER, answered, FireDueTimers(at(2, 4, hour=1)))
    assert [(event.clock, event.due_at) for event in fired if isinstance(event, DeadlineBreached)] == [
        ("institution", end(1, 4))
    ]


def test_a_case_an_older_log_left_paused_after_a_move_runs_from_the_move_at_its_next_stage() -> None:
    # What the sla-monitor recorded before a move ended the pause: the new clock alone (it started
    # stopped), with no timer scheduled.
    legacy = [*ASKED, MOVED[len(ASKED)].model_copy(update={"next_timer_at": None})]
    assert isinstance(legacy[-1], InstitutionDeadlineSet)
    assert state_of(legacy).paused_for == 1
    repaired = decide_after(clocks, NUMBER, legacy, PauseClocks(at(24), 2))
    assert [type(event) for event in repaired] == [ClocksResumed, ClocksPaused]
    assert (repaired[0].at, repaired[0].request_number) == (at(19), 1)  # type: ignore[attr-defined]
    fixed = _asked_again_and_answered(legacy)
    assert state_of(fixed).office == state_of(_asked_again_and_answered(MOVED)).office
    closed = decide_after(clocks, NUMBER, legacy, CloseClocks(at(31), "CONCLUDED"))
    assert [type(event) for event in closed] == [ClocksResumed, ClocksClosed]


def test_a_withdrawal_or_conclusion_while_information_is_awaited_stops_the_clocks_for_good() -> None:
    for reason in ("WITHDRAWN", "CONCLUDED"):
        events = run(ASKED, CloseClocks(at(19), reason))
        assert isinstance(events[-1], ClocksClosed) and events[-1].reason == reason
        state = state_of(events)
        assert state.closed and state.paused_for is None and next_timer(state, calendar) is None
        assert decide_after(clocks, NUMBER, events, ResumeClocks(at(20), 1)) == []
        assert decide_after(clocks, NUMBER, events, ChangeInstitution("CEVRE", at(20))) == []
