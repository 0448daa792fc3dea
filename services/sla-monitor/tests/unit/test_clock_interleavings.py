"""Properties of a case's clocks under any interleaving of its stages (hypothesis): the office's clock
never runs while the institution's stands still the other way round (it has always run at least as
many business days), every due moment is a business day, the schedule each event carries is what the
recorded state implies, and deciding the same commands again gives the same events and clocks."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from acikkapi_shared.decider import CommandRejected, fold
from acikkapi_shared.events.base import EventPayload
from acikkapi_shared.events.sla_monitor import ClocksPaused, ClocksResumed, InstitutionDeadlineSet
from sla_monitor.domain.calendar import BusinessCalendar, CalendarSettings, istanbul_date
from sla_monitor.domain.case_clocks import case_clocks_decider, next_timer
from sla_monitor.domain.clock import Pause, SlaClock, due_moment, running_business_days
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
RECEIVED = datetime(2026, 5, 20, 9, 0, tzinfo=ISTANBUL)  # Wednesday before Kurban Bayramı (26-30 May)
calendar = BusinessCalendar()
clocks = case_clocks_decider(calendar, institution_budget=lambda code: 3 if code == "SAGLIK" else 5)

STAGES = st.sampled_from(["pause", "resume", "answer", "return", "transfer", "fire", "close", "reopen"])
STEPS = st.lists(st.tuples(STAGES, st.integers(min_value=0, max_value=72)), max_size=14)


def command_for(stage: str, at: datetime, request: int) -> ClockCommand:
    commands: dict[str, ClockCommand] = {
        "pause": PauseClocks(at, request),
        "resume": ResumeClocks(at, request),
        "answer": StopInstitutionClock(at),
        "return": ResumeInstitutionClock(at),
        "transfer": ChangeInstitution("SAGLIK", at),
        "fire": FireDueTimers(at),
        "close": CloseClocks(at, "CONCLUDED"),
        "reopen": ReopenClocks(at),
    }
    return commands[stage]


def decisions_of(steps: list[tuple[str, int]]) -> tuple[list[list[EventPayload]], list[datetime]]:
    """Returns the events of each decision (the routing, then the steps, hours apart, that decided
    something) and the moment of each step."""
    routed = clocks.decide(StartClocks(NUMBER, "BELEDIYE_KARS", RECEIVED, RECEIVED), clocks.initial(NUMBER))
    decisions, events = [list(routed)], list(routed)
    at, request, moments = RECEIVED, 1, []
    for stage, hours in steps:
        at += timedelta(hours=hours)
        if stage == "pause":
            request += 1
        try:
            decided = list(clocks.decide(command_for(stage, at, request), fold(clocks, NUMBER, events)))
        except (CommandRejected, ValueError):
            continue
        if decided:
            decisions.append(decided)
            events += decided
        moments.append(at)
    return decisions, moments


def play(steps: list[tuple[str, int]]) -> tuple[list[EventPayload], list[datetime]]:
    decisions, moments = decisions_of(steps)
    return [event for decision in decisions for event in decision], moments


@settings(max_examples=300, deadline=None)
@given(STEPS)
def test_the_office_clock_has_always_run_at_least_as_long_as_the_institution_clock(
    steps: list[tuple[str, int]],
) -> None:
    events, moments = play(steps)
    for count in range(2, len(events) + 1):
        state = fold(clocks, NUMBER, events[:count])
        assert state.office is not None and state.institution_clock is not None
        if state.closed:
            continue
        last = moments[-1] if moments else RECEIVED
        for as_of in (last, last + timedelta(days=20)):
            office = running_business_days(state.office, calendar, as_of)
            institution = running_business_days(state.institution_clock, calendar, as_of)
            if state.institution_clock.received_at >= state.office.received_at:
                assert office >= institution, (office, institution)


@settings(max_examples=300, deadline=None)
@given(STEPS)
def test_due_moments_are_business_days_and_each_event_carries_the_schedule_of_its_state(
    steps: list[tuple[str, int]],
) -> None:
    decisions, _ = decisions_of(steps)
    events: list[EventPayload] = []
    for decision in decisions:
        events += decision
        state = fold(clocks, NUMBER, events)
        # Every event of a decision carries the schedule once all of them are recorded.
        assert {getattr(event, "next_timer_at", None) for event in decision} == {next_timer(state, calendar)}
        for clock in (state.office, state.institution_clock):
            due = None if clock is None else due_moment(clock, calendar)
            assert due is None or calendar.is_business_day(istanbul_date(due))


@settings(max_examples=150, deadline=None)
@given(STEPS)
def test_replaying_the_same_events_or_deciding_the_same_commands_gives_the_same_clocks(
    steps: list[tuple[str, int]],
) -> None:
    first, _ = play(steps)
    again, _ = play(steps)
    assert [event.model_dump() for event in again] == [event.model_dump() for event in first]
    assert fold(clocks, NUMBER, first) == fold(clocks, NUMBER, list(first))


def at(day: int, month: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=ISTANBUL)


def test_a_move_while_information_is_awaited_ends_the_pause_and_a_new_request_pauses_again() -> None:
    # Asked Thursday 21 May; moved Friday 22 (re-routed by hand or transferred): the request is over.
    events, _ = play([("pause", 24), ("transfer", 24)])
    moved, ended = events[-2:]
    assert isinstance(moved, InstitutionDeadlineSet) and isinstance(ended, ClocksResumed)
    assert (ended.at, ended.request_number) == (at(22, 5, hour=9), 2)
    # SAGLIK: 3 days from Friday 22 May over Kurban Bayramı (27-30 May, the arife 26th a business
    # day): 25, 26 May and 1 June. The office, received on the 20th, used none (21 and 22 touched by
    # the pause): all seven from the move, 25, 26 May and 1-5 June.
    assert ended.institution_due_at == moved.due_at == datetime(2026, 6, 1, 23, 59, 59, tzinfo=ISTANBUL)
    assert ended.office_due_at == datetime(2026, 6, 5, 23, 59, 59, tzinfo=ISTANBUL)
    state = fold(clocks, NUMBER, events)
    assert state.paused_for is None and next_timer(state, calendar) is not None
    # The new institution asks (request 3) on Monday 25 May; the applicant answers on Monday 1 June.
    asked = clocks.decide(PauseClocks(at(25, 5), 3), state)
    assert [type(event) for event in asked] == [ClocksPaused]
    events += asked
    answered = clocks.decide(ResumeClocks(at(1, 6), 3), fold(clocks, NUMBER, events))
    assert [type(event) for event in answered] == [ClocksResumed]
    # 25 May to 1 June inside the pause: SAGLIK 2, 3, 4 June.
    due = getattr(answered[0], "institution_due_at", None)
    assert due == datetime(2026, 6, 4, 23, 59, 59, tzinfo=ISTANBUL)
    assert fold(clocks, NUMBER, [*events, *answered]).paused_for is None


def test_an_answer_returned_while_information_is_awaited_runs_on_only_once_it_is_supplied() -> None:
    events, _ = play([("answer", 24), ("pause", 1), ("return", 1)])
    state = fold(clocks, NUMBER, events)
    assert state.institution_clock is not None and state.institution_clock.is_paused
    assert not state.answered


def test_a_pause_over_29_ekim_and_its_half_day_eve_costs_only_the_business_days_it_touches() -> None:
    # Received Monday 26 October 2026; 28 Ekim is a half day (a business day by default), 29 Ekim a
    # holiday. Paused from Tuesday 27 10:00 to Friday 30 09:00: the 27th, 28th and 30th are not used.
    received = at(26, 10)
    paused = SlaClock(received, 7, (Pause(at(27, 10), at(30, 10, hour=9)),))
    assert due_moment(SlaClock(received, 7), calendar) == datetime(2026, 11, 5, 23, 59, 59, tzinfo=ISTANBUL)
    assert due_moment(paused, calendar) == datetime(2026, 11, 10, 23, 59, 59, tzinfo=ISTANBUL)
    half_days_off = BusinessCalendar(CalendarSettings(half_days_are_business_days=False))
    # With half days off the 28th is not a business day: the pause costs two days, not three.
    assert due_moment(paused, half_days_off) == datetime(2026, 11, 10, 23, 59, 59, tzinfo=ISTANBUL)
    assert due_moment(SlaClock(received, 7), half_days_off) == datetime(
        2026, 11, 6, 23, 59, 59, tzinfo=ISTANBUL
    )
