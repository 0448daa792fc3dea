"""Public events of the notifier service (the SMS intent itself, with phone and text, is private)."""

from __future__ import annotations

from pydantic import AwareDatetime

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


class SmsWithheld(EventPayload):
    """A stage the applicant would have been told of by SMS was not: why, as a stable code.

    reason: IDENTITY_HIDDEN (the applicant asked that their identity be hidden) or SMS_REFUSED (the
    applicant asked for no SMS). trigger_event_id is the upstream event the SMS would have told of.
    """

    TYPE = "SmsWithheld"

    application_number: str
    trigger_event_id: str
    template: str
    reason: str


# Delivery reports: what the provider's report says became of an accepted SMS (the handset got it,
# or the operator gave up). Ids and codes only: never the phone number.


class SmsDelivered(EventPayload):
    """The provider reports the SMS delivered to the handset."""

    TYPE = "SmsDelivered"

    application_number: str
    request_event_id: str
    provider_message_id: str
    template: str | None
    delivered_at: AwareDatetime | None
    status: int


class SmsDeliveryFailed(EventPayload):
    """The provider reports the SMS undeliverable for good (timed out, wrong number, refused, ...)."""

    TYPE = "SmsDeliveryFailed"

    application_number: str
    request_event_id: str
    provider_message_id: str
    template: str | None
    status: int
    reason: str
    error_code: int | None
