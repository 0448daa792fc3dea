"""The sla-monitor's business metrics, counted from committed events (never inside a retried
transaction): deadlines, warnings, breaches, escalations, and how cases closed against their clock."""

from __future__ import annotations

import collections
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import structlog
from prometheus_client import Counter, Histogram

from acikkapi_shared.events.envelope import EventEnvelope
from acikkapi_shared.events.sla_monitor import (
    CaseEscalated,
    ClocksClosed,
    DeadlineBreached,
    DeadlineSet,
    DeadlineWarning,
)

log = structlog.get_logger(__name__)

DAY = 86_400.0

DEADLINES_SET = Counter("acikkapi_deadlines_set_total", "SLA deadlines recorded")
WARNINGS = Counter(
    "acikkapi_sla_warnings_total",
    "Deadline warnings fired, by clock (office, institution), institution and business days before",
    ["clock", "institution", "days_before"],
)
BREACHES = Counter(
    "acikkapi_sla_breaches_total",
    "Due moments passed with the work not done, by clock and institution",
    ["clock", "institution"],
)
ESCALATIONS = Counter(
    "acikkapi_sla_escalations_total",
    "Breaches escalated, by clock, institution and level (office, supervisor)",
    ["clock", "institution", "level"],
)
CASES_CLOSED = Counter(
    "acikkapi_cases_closed_total",
    "Cases whose clocks closed, by reason (CONCLUDED, WITHDRAWN) and whether the office's clock "
    "(7 business days) was kept",
    ["reason", "on_time"],
)
TIME_TO_CONCLUSION = Histogram(
    "acikkapi_case_time_to_conclusion_seconds",
    "Time from receipt (or the last reopening) to conclusion of concluded cases",
    buckets=tuple(days * DAY for days in (1, 2, 3, 5, 7, 9, 11, 14, 21, 30, 60)),
)


CLOCKS = ("office", "institution")
LEVELS = ("office", "supervisor")
CLOSE_REASONS = ("CONCLUDED", "WITHDRAWN")


def prime(institutions: Iterable[str]) -> None:
    """Creates the series of every known label value at 0, so that the first breach of an institution
    shows as an increase (a series born at 1 has none) and panels have data before the first event."""
    for institution in institutions:
        for clock in CLOCKS:
            BREACHES.labels(clock, institution)
            for level in LEVELS:
                ESCALATIONS.labels(clock, institution, level)
    for reason in CLOSE_REASONS:
        for on_time in ("true", "false"):
            CASES_CLOSED.labels(reason, on_time)


def committed(events: Sequence[EventEnvelope]) -> None:
    """Counts and logs the deadlines and timers of a commit."""
    # Each series is incremented once per commit by its count: a timer burst commits thousands of
    # events of a few series at once, and a labels() look-up per event was a tenth of its cost.
    timers: collections.Counter[tuple[Any, ...]] = collections.Counter()
    for event in events:
        payload = event.payload
        clock, institution = payload.get("clock"), payload.get("institution")
        if event.type == DeadlineSet.TYPE:
            DEADLINES_SET.inc()
            log.info("deadline_set", application_number=event.correlation_id, due_at=payload.get("due_at"))
        elif event.type == DeadlineWarning.TYPE:
            timers[WARNINGS, clock, institution, payload.get("days_before")] += 1
        elif event.type == DeadlineBreached.TYPE:
            timers[BREACHES, clock, institution] += 1
        elif event.type == CaseEscalated.TYPE:
            timers[ESCALATIONS, clock, institution, payload.get("level")] += 1
        elif event.type == ClocksClosed.TYPE:
            _closed(payload)
    for (metric, *labels), count in timers.items():
        metric.labels(*(str(label) for label in labels)).inc(count)


def _closed(payload: dict[str, object]) -> None:
    reason = str(payload.get("reason"))
    CASES_CLOSED.labels(reason, "true" if payload.get("on_time") else "false").inc()
    started, at = payload.get("started_at"), payload.get("at")
    if reason == "CONCLUDED" and isinstance(started, str) and isinstance(at, str):
        elapsed = (datetime.fromisoformat(at) - datetime.fromisoformat(started)).total_seconds()
        TIME_TO_CONCLUSION.observe(max(0.0, elapsed))
