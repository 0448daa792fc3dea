"""The notifier's business metrics, counted from committed events (never inside a retried transaction)."""

from __future__ import annotations

from collections.abc import Sequence

from prometheus_client import Counter, Gauge

from acikkapi_shared.events.envelope import EventEnvelope
from acikkapi_shared.events.notifier import SmsAccepted, SmsFailed
from notifier.domain.events import SmsRequested

SMS_REQUESTED = Counter("acikkapi_sms_requested_total", "SMS the notifier decided to send", ["template"])
SMS_SENT = Counter(
    "acikkapi_sms_total", "SMS provider answers recorded, by outcome (accepted, failed)", ["outcome"]
)
SMS_SEGMENTS = Counter("acikkapi_sms_segments_total", "SMS segments requested", ["encoding"])
SMS_PENDING = Gauge("acikkapi_sms_outbox_pending", "SMS recorded and not yet handed to the provider")


def committed(events: Sequence[EventEnvelope]) -> None:
    """Counts the SMS intents and provider outcomes of a commit."""
    for event in events:
        if event.type == SmsRequested.TYPE:
            SMS_REQUESTED.labels(str(event.payload.get("template"))).inc()
            SMS_SEGMENTS.labels(str(event.payload.get("encoding"))).inc(int(event.payload.get("segments", 0)))
        elif event.type == SmsAccepted.TYPE:
            SMS_SENT.labels("accepted").inc()
        elif event.type == SmsFailed.TYPE:
            SMS_SENT.labels("failed").inc()
