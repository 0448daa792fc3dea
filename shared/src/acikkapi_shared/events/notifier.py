"""Public events of the notifier service (the SMS intent itself, with phone and text, is private)."""

from __future__ import annotations

from acikkapi_shared.events.base import EventPayload


class SmsAccepted(EventPayload):
    TYPE = "SmsAccepted"

    application_number: str
    request_event_id: str
    provider_message_id: str
    attempt: int


class SmsFailed(EventPayload):
    TYPE = "SmsFailed"

    application_number: str
    request_event_id: str
    code: str
    reason: str
    retryable: bool
    attempt: int
