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
# or the operator gave up). Ids and codes only: never the phone number. The event is recorded when the
# notifier reads the report (its occurred_at), which may be a poll interval or more after the fact.
# trigger_event_id: the upstream event the SMS told of (SmsRequested's), so the report can be shown
# with the stage the SMS was sent for whatever the case did since; added later, so reports recorded
# before it (and an SMS whose intent predates triggers) read as None.


class SmsDelivered(EventPayload):
    """The provider reports the SMS delivered to the handset; delivered_at is when the handset got it
    by the provider's report (None when the report gave no moment)."""

    TYPE = "SmsDelivered"

    application_number: str
    request_event_id: str
    provider_message_id: str
    template: str | None
    delivered_at: AwareDatetime | None
    status: int
    trigger_event_id: str | None = None


class SmsDeliveryFailed(EventPayload):
    """The provider reports the SMS undeliverable for good (timed out, wrong number, refused, ...).

    The report gives no moment for a failure: the event's own occurred_at (the report was read) is
    the first moment it is known.
    """

    TYPE = "SmsDeliveryFailed"

    application_number: str
    request_event_id: str
    provider_message_id: str
    template: str | None
    status: int
    reason: str
    error_code: int | None
    trigger_event_id: str | None = None
