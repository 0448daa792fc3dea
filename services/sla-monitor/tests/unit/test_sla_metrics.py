"""The sla-monitor's business metrics from committed events: timers by clock and institution, how cases
closed against the office's clock, and the time to conclusion."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from prometheus_client import REGISTRY

from acikkapi_shared.events.base import EventPayload
from acikkapi_shared.events.sla_monitor import CaseEscalated, ClocksClosed, DeadlineBreached, DeadlineWarning
from acikkapi_shared.testing.in_process import upstream
from sla_monitor import metrics

T0 = datetime(2026, 3, 17, 7, 0, tzinfo=UTC)
NUMBER = "2026-000001-N"


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def commit(*payloads: EventPayload) -> None:
    metrics.committed([upstream("sla-monitor", p, correlation_id=NUMBER, occurred_at=T0) for p in payloads])


def test_primed_series_exist_at_zero_before_the_first_breach() -> None:
    metrics.prime(["PRIMED_INST"])
    assert (
        REGISTRY.get_sample_value(
            "acikkapi_sla_breaches_total", {"clock": "office", "institution": "PRIMED_INST"}
        )
        == 0.0
    )
    assert (
        REGISTRY.get_sample_value(
            "acikkapi_sla_escalations_total",
            {"clock": "institution", "institution": "PRIMED_INST", "level": "supervisor"},
        )
        == 0.0
    )


def test_timers_are_counted_by_clock_and_institution() -> None:
    due = T0 + timedelta(days=9)
    breach = ("acikkapi_sla_breaches_total", {"clock": "office", "institution": "T_INST"})
    warning = (
        "acikkapi_sla_warnings_total",
        {"clock": "office", "institution": "T_INST", "days_before": "1"},
    )
    before = sample(breach[0], **breach[1]), sample(warning[0], **warning[1])
    commit(
        DeadlineWarning(
            application_number=NUMBER,
            clock="office",
            institution="T_INST",
            days_before=1,
            due_at=due,
            late=False,
        ),
        DeadlineBreached(
            application_number=NUMBER, clock="office", institution="T_INST", due_at=due, late=False
        ),
        CaseEscalated(
            application_number=NUMBER,
            clock="office",
            institution="T_INST",
            level="office",
            due_at=due,
            late=True,
        ),
    )
    assert (sample(breach[0], **breach[1]), sample(warning[0], **warning[1])) == (
        before[0] + 1,
        before[1] + 1,
    )
    assert sample("acikkapi_sla_escalations_total", clock="office", institution="T_INST", level="office") >= 1


def test_a_conclusion_records_whether_it_was_on_time_and_how_long_it_took() -> None:
    on_time = ("acikkapi_cases_closed_total", {"reason": "CONCLUDED", "on_time": "true"})
    within_3_days = ("acikkapi_case_time_to_conclusion_seconds_bucket", {"le": str(3 * metrics.DAY)})
    within_2_days = ("acikkapi_case_time_to_conclusion_seconds_bucket", {"le": str(2 * metrics.DAY)})
    before = [sample(n, **labels) for n, labels in (on_time, within_3_days, within_2_days)]
    started = T0 - timedelta(days=2, hours=12)
    commit(
        ClocksClosed(application_number=NUMBER, at=T0, reason="CONCLUDED", on_time=True, started_at=started)
    )
    after = [sample(n, **labels) for n, labels in (on_time, within_3_days, within_2_days)]
    assert after == [before[0] + 1, before[1] + 1, before[2]]


def test_a_withdrawal_is_counted_but_not_timed_and_old_events_without_a_start_are_not_timed() -> None:
    count = ("acikkapi_case_time_to_conclusion_seconds_count", {})
    before = sample(count[0])
    commit(
        ClocksClosed(application_number=NUMBER, at=T0, reason="WITHDRAWN", on_time=True, started_at=T0),
        ClocksClosed(application_number=NUMBER, at=T0, reason="CONCLUDED", on_time=False),
    )
    assert sample(count[0]) == before
    assert sample("acikkapi_cases_closed_total", reason="CONCLUDED", on_time="false") >= 1
