"""The notifier's private events: its copies of upstream facts and its SMS intents stay in its log.

An SMS intent carries the phone number and a text with the tracking code: it must not go to Kafka.
"""

from __future__ import annotations

from pydantic import AwareDatetime

from acikkapi_shared.events.base import EventPayload


class CaseContactRecorded(EventPayload):
    """intake registered the application: how to reach the applicant."""

    phone: str
    tracking_code: str
    source_event_id: str | None = None


class CaseDeadlineRecorded(EventPayload):
    """sla-monitor set the case's deadline at an institution."""

    institution: str
    due_at: AwareDatetime
    source_event_id: str | None = None


class SmsRequested(EventPayload):
    """The intent to send an SMS, recorded before the provider is called (its event id is the key).

    trigger_event_id is the upstream event the SMS tells of: one SMS per trigger, never two.
    """

    application_number: str
    template: str
    phone: str
    text: str
    encoding: str
    segments: int
    trigger_event_id: str | None = None
