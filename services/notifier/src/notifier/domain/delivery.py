"""An SMS's delivery: the attempts to hand one intent to the provider, and how each ended.

Its stream is "sms:<intent event id>"; an intent accepted once is never recorded as sent again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from acikkapi_shared.decider import Decider
from acikkapi_shared.events.base import EventPayload, EventTypes
from acikkapi_shared.events.notifier import SmsAccepted, SmsFailed


@dataclass(frozen=True)
class RecordSmsAttempt:
    """Record what the provider answered to one attempt at an intent."""

    application_number: str
    request_event_id: str
    provider_message_id: str | None = None  # accepted when set
    code: str = ""
    reason: str = ""
    retryable: bool = True


@dataclass(frozen=True)
class Delivery:
    stream_id: str
    attempts: int = 0
    accepted: bool = False


def delivery_stream(request_event_id: str) -> str:
    """Returns the stream of an intent's delivery attempts."""
    return f"sms:{request_event_id}"


def _decide(command: RecordSmsAttempt, state: Delivery) -> Sequence[EventPayload]:
    if state.accepted:
        return []
    attempt = state.attempts + 1
    if command.provider_message_id is not None:
        return [
            SmsAccepted(
                application_number=command.application_number,
                request_event_id=command.request_event_id,
                provider_message_id=command.provider_message_id,
                attempt=attempt,
            )
        ]
    return [
        SmsFailed(
            application_number=command.application_number,
            request_event_id=command.request_event_id,
            code=command.code,
            reason=command.reason,
            retryable=command.retryable,
            attempt=attempt,
        )
    ]


def _evolve(state: Delivery, event: EventPayload) -> Delivery:
    if isinstance(event, SmsAccepted):
        return replace(state, attempts=event.attempt, accepted=True)
    if isinstance(event, SmsFailed):
        return replace(state, attempts=event.attempt)
    return state


deliveries: Decider[Delivery, RecordSmsAttempt] = Decider(
    name="sms-delivery",
    initial=lambda stream_id: Delivery(stream_id=stream_id),
    evolve=_evolve,
    decide=_decide,
    events=EventTypes([SmsAccepted, SmsFailed]),
)
