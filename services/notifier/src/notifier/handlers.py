"""The notifier's message handler: records what it needs from upstream events, then decides on SMS."""

from __future__ import annotations

from typing import Any

from acikkapi_shared.events.envelope import EventEnvelope, NewEvent
from acikkapi_shared.events.intake import ApplicationRegistered
from acikkapi_shared.events.sla_monitor import DeadlineSet
from acikkapi_shared.eventstore.unit_of_work import UnitOfWork
from acikkapi_shared.messaging.inbound import InboundMessage, UpstreamEventHandler
from acikkapi_shared.observability import metrics
from notifier.domain.case import CONTACT_RECORDED, DEADLINE_RECORDED, fold, sms_to_request


def _fact(upstream: EventEnvelope) -> tuple[str, str, dict[str, Any]] | None:
    """Returns (application number, event type, payload) of the fact an upstream event gives."""
    if upstream.type == ApplicationRegistered.TYPE:
        registered = ApplicationRegistered.from_payload(upstream.payload)
        return (
            registered.application_number,
            CONTACT_RECORDED,
            {"phone": registered.applicant.phone, "tracking_code": registered.tracking_code},
        )
    if upstream.type == DeadlineSet.TYPE:
        deadline = DeadlineSet.from_payload(upstream.payload)
        return (
            deadline.application_number,
            DEADLINE_RECORDED,
            {"institution": deadline.institution, "due_at": deadline.due_at.isoformat()},
        )
    return None


class CaseEventHandler(UpstreamEventHandler):
    """Joins intake's and sla-monitor's events per case, in whatever order they arrive."""

    event_types = frozenset({ApplicationRegistered.TYPE, DeadlineSet.TYPE})

    async def __call__(self, work: UnitOfWork, message: InboundMessage) -> None:
        """Records the upstream fact and, once the case has all it needs, the SMS intent."""
        upstream = message.envelope()
        fact = _fact(upstream)
        if fact is None:
            return
        number, kind, payload = fact
        history = await work.load(number)
        now = work.clock.now()
        causation = str(upstream.event_id)
        fact_event = NewEvent(
            type=kind, payload=payload, correlation_id=number, causation_id=causation, occurred_at=now
        )
        new_events = [fact_event]
        request = sms_to_request(fold(number, [*history, fact_event]))
        if request is not None:
            new_events.append(
                request.as_event(correlation_id=number, causation_id=causation, occurred_at=now)
            )
            metrics.SMS_SEGMENTS.labels(request.encoding).inc(request.segments)
        await work.append(number, len(history), new_events)
