"""A new configuration (calendar, budgets) recomputes an open case's clocks, given events / when
RecomputeDeadlines / then DeadlinesRecomputed: once per version, fired timers never again.

2026: Ramazan Bayramı 20-22 March. Routed Tuesday 17 March: the institution (5 days) is due Wednesday
25 March, the office (7 days) Friday 27 March.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from acikkapi_shared.decider import CommandRejected, Decider, fold
from acikkapi_shared.events.base import EventPayload
from acikkapi_shared.events.sla_monitor import DeadlinesRecomputed, DeadlineWarning
from acikkapi_shared.testing.in_process import decide_after
from sla_monitor.domain.calendar import CalendarSettings
from sla_monitor.domain.case_clocks import CaseClocks, configured_clocks
from sla_monitor.domain.clock_commands import (
    ClockCommand,
    CloseClocks,
    FireDueTimers,
    PauseClocks,
    RecomputeDeadlines,
    StartClocks,
)
from sla_monitor.domain.configuration import ClockConfiguration

ISTANBUL = ZoneInfo("Europe/Istanbul")
NUMBER = "2026-000001-N"
INSTITUTION = "BELEDIYE_KARS"
FIRST = ClockConfiguration()
IDARI_IZIN = ClockConfiguration(calendar=CalendarSettings(closures=frozenset({date(2026, 3, 24)})))
SHORTER = ClockConfiguration(institution_budgets=((INSTITUTION, 2),))


def at(day: int, month: int = 3, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=ISTANBUL)


def end(day: int, month: int = 3) -> datetime:
    return datetime(2026, month, day, 23, 59, 59, tzinfo=ISTANBUL)


def run(
    decider: Decider[CaseClocks, ClockCommand], history: list[EventPayload], *commands: ClockCommand
) -> list[EventPayload]:
    events = list(history)
    for command in commands:
        events += decide_after(decider, NUMBER, events, command)
    return events


def recompute(
    configuration: ClockConfiguration, history: list[EventPayload], day: int = 23
) -> list[EventPayload]:
    return run(configured_clocks(configuration), history, RecomputeDeadlines(configuration.version, at(day)))


STARTED = run(configured_clocks(FIRST), [], StartClocks(NUMBER, INSTITUTION, at(17)))


def test_versions_name_everything_a_due_moment_depends_on() -> None:
    assert FIRST.version == ClockConfiguration().version
    assert len({FIRST.version, IDARI_IZIN.version, SHORTER.version}) == 3
    assert (
        ClockConfiguration(calendar=CalendarSettings(half_days_are_business_days=False)).version
        != FIRST.version
    )
    assert ClockConfiguration(office_budget_days=10).version != FIRST.version
    with pytest.raises(ValueError, match="budget"):
        ClockConfiguration(institution_budgets=((INSTITUTION, 0),))


def test_clocks_record_the_version_they_were_computed_with_and_it_changes_nothing_again() -> None:
    assert fold(configured_clocks(FIRST), NUMBER, STARTED).config_version == FIRST.version
    assert recompute(FIRST, STARTED) == STARTED


def test_an_idari_izin_declared_later_moves_both_due_moments_and_the_next_timer() -> None:
    events = recompute(IDARI_IZIN, STARTED)
    (change,) = events[len(STARTED) :]
    assert isinstance(change, DeadlinesRecomputed)
    assert (change.previous_config_version, change.config_version) == (FIRST.version, IDARI_IZIN.version)
    assert (change.office_due_before, change.office_due_at) == (end(27), end(30))
    assert (change.institution_due_before, change.institution_due_at) == (end(25), end(26))
    assert (change.office_budget_days, change.institution_budget_days) == (7, 5)
    # The institution's first warning, 2 business days before 26 March with the 24th closed: the 23rd.
    assert change.next_timer_at == datetime(2026, 3, 23, 0, 0, tzinfo=ISTANBUL)
    assert recompute(IDARI_IZIN, events, day=24) == events  # once per version


def test_a_warning_already_fired_is_not_fired_again_when_its_due_moment_moves() -> None:
    fired = run(configured_clocks(FIRST), STARTED, FireDueTimers(at(23)))
    assert [(e.clock, e.days_before) for e in fired[len(STARTED) :] if isinstance(e, DeadlineWarning)] == [
        ("institution", 2)
    ]
    events = recompute(IDARI_IZIN, fired)
    events = run(
        configured_clocks(IDARI_IZIN), events, FireDueTimers(at(23, hour=11)), FireDueTimers(at(10, 4))
    )
    warnings = Counter((e.clock, e.days_before) for e in events if isinstance(e, DeadlineWarning))
    assert warnings == {("institution", 2): 1, ("institution", 1): 1, ("office", 2): 1, ("office", 1): 1}


def test_a_shorter_budget_brings_the_due_moment_forward_and_what_is_past_fires_late() -> None:
    events = recompute(SHORTER, STARTED, day=23)
    change = events[-1]
    assert isinstance(change, DeadlinesRecomputed)
    assert (change.institution_budget_days, change.institution_due_at) == (2, end(19))
    assert change.next_timer_at == datetime(2026, 3, 17, 0, 0, tzinfo=ISTANBUL)  # already past
    fired = decide_after(configured_clocks(SHORTER), NUMBER, events, FireDueTimers(at(23)))
    kinds = [(type(e).__name__, getattr(e, "late", None)) for e in fired]
    assert kinds == [("DeadlineWarning", True), ("DeadlineWarning", True), ("DeadlineBreached", True)]


def test_a_paused_clock_keeps_its_pause_and_has_no_due_moment_until_it_resumes() -> None:
    paused = run(configured_clocks(FIRST), STARTED, PauseClocks(at(18), request_number=1))
    change = recompute(IDARI_IZIN, paused)[-1]
    assert isinstance(change, DeadlinesRecomputed)
    assert (change.office_due_before, change.office_due_at, change.institution_due_at) == (None, None, None)
    assert change.next_timer_at is None


def test_closed_cases_are_not_recomputed_and_other_versions_are_refused() -> None:
    closed = run(configured_clocks(FIRST), STARTED, CloseClocks(at(20), "CONCLUDED"))
    assert recompute(IDARI_IZIN, closed) == closed
    with pytest.raises(CommandRejected) as refused:
        decide_after(
            configured_clocks(IDARI_IZIN), NUMBER, STARTED, RecomputeDeadlines(FIRST.version, at(23))
        )
    assert refused.value.code == "SLA_CONFIG_MISMATCH"
