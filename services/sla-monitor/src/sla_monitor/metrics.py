"""The sla-monitor's business metrics, counted from committed events."""

from __future__ import annotations

from collections.abc import Sequence

import structlog
from prometheus_client import Counter

from acikkapi_shared.events.envelope import EventEnvelope
from acikkapi_shared.events.sla_monitor import DeadlineSet

log = structlog.get_logger(__name__)

DEADLINES_SET = Counter("acikkapi_deadlines_set_total", "SLA deadlines recorded")


def committed(events: Sequence[EventEnvelope]) -> None:
    """Counts and logs the deadlines of a commit."""
    for event in events:
        if event.type == DeadlineSet.TYPE:
            DEADLINES_SET.inc()
            log.info(
                "deadline_set", application_number=event.correlation_id, due_at=event.payload.get("due_at")
            )
