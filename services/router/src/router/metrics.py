"""The router's business metrics, counted from committed events (never inside a retried transaction)."""

from __future__ import annotations

from collections.abc import Sequence

import structlog
from prometheus_client import Counter

from acikkapi_shared.events.envelope import EventEnvelope
from acikkapi_shared.events.router import CaseRouted
from acikkapi_shared.reference import TRIAGE_INSTITUTION

log = structlog.get_logger(__name__)

CASES_ROUTED = Counter(
    "acikkapi_cases_routed_total",
    "Cases the router assigned, by institution and kind (rule, triage)",
    ["institution", "kind"],
)


def committed(events: Sequence[EventEnvelope]) -> None:
    """Counts and logs the routing decisions of a commit."""
    for event in events:
        if event.type == CaseRouted.TYPE:
            institution = str(event.payload["institution"])
            kind = "triage" if institution == TRIAGE_INSTITUTION else "rule"
            CASES_ROUTED.labels(institution, kind).inc()
            log.info(
                "case_routed",
                application_number=event.correlation_id,
                institution=institution,
                rule=event.payload.get("rule"),
                confidence=event.payload.get("confidence"),
            )
