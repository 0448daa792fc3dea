"""intake's business metrics and log lines, from committed events (never inside a retried transaction)."""

from __future__ import annotations

from collections.abc import Sequence

import structlog
from prometheus_client import Counter

from acikkapi_shared.events.envelope import EventEnvelope
from acikkapi_shared.events.intake import ApplicationRegistered, SubmissionRejected

log = structlog.get_logger(__name__)

APPLICATIONS_RECEIVED = Counter(
    "acikkapi_applications_received_total",
    "Applications registered by intake, by channel, topic, type and district (codes of the reference data)",
    ["channel", "topic", "type", "district"],
)
SUBMISSIONS_REJECTED = Counter(
    "acikkapi_submissions_rejected_total", "Problems of submissions intake could not register", ["reason"]
)


def committed(events: Sequence[EventEnvelope]) -> None:
    """Counts and logs the registrations and rejections of a commit (no personal data)."""
    for event in events:
        if event.type == ApplicationRegistered.TYPE:
            channel = str(event.payload.get("channel"))
            APPLICATIONS_RECEIVED.labels(
                channel,
                str(event.payload.get("topic")),
                str(event.payload.get("type")),
                str(event.payload.get("district")),
            ).inc()
            log.info("application_registered", application_number=event.correlation_id, channel=channel)
        elif event.type == SubmissionRejected.TYPE:
            codes = [str(p.get("code")) for p in event.payload.get("problems", [])]
            for code in codes:
                SUBMISSIONS_REJECTED.labels(code).inc()
            log.info("submission_rejected", source=event.payload.get("source"), codes=codes)
