"""Public events of the notifier service."""

from __future__ import annotations

from acikkapi_shared.events.base import EventPayload


class SmsRequested(EventPayload):
    """The intent to send an SMS, recorded before the provider is called (its event id is the key)."""

    TYPE = "SmsRequested"

    application_number: str
    template: str
    phone: str
    text: str
    encoding: str
    segments: int


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
