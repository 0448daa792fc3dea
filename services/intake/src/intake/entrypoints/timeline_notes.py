"""intake's translators of the upstream events that put a line on the timeline without moving the
stage: the router's ApplicantRequestRefused, the notifier's delivery reports (SmsDelivered,
SmsDeliveryFailed: under the stage their SMS told of). Ids and codes only are copied, never a phone
number."""

from __future__ import annotations

from datetime import datetime

from acikkapi_shared.application_numbers import InvalidApplicationNumber, parse_application_number
from acikkapi_shared.events.envelope import EventEnvelope
from acikkapi_shared.events.notifier import SmsDelivered, SmsDeliveryFailed
from acikkapi_shared.events.router import ApplicantRequestRefused
from intake.domain.application_model import RecordNote

SMS_REPORT_TYPES = frozenset({SmsDelivered.TYPE, SmsDeliveryFailed.TYPE})
# Every upstream event that becomes a note: a line of the applicant's own timeline, not a stage.
NOTE_EVENT_TYPES = SMS_REPORT_TYPES | {ApplicantRequestRefused.TYPE}


def refusal_command(upstream: EventEnvelope) -> tuple[str, RecordNote] | None:
    """Returns the application and the note of a request the router refused (None: another event)."""
    if upstream.type != ApplicantRequestRefused.TYPE:
        return None
    refused = ApplicantRequestRefused.from_payload(upstream.payload, upstream.schema_version)
    details: dict[str, str | int | None] = {
        "request": refused.request,
        "code": refused.code,
        "message": refused.message,
    }
    return refused.application_number, _note(upstream, details)


def sms_report_command(upstream: EventEnvelope) -> tuple[str, RecordNote] | None:
    """Returns the application and the note of an SMS delivery report (None: another event, or the
    report of an SMS that was not about an application: a rejected submission's, keyed by its id).

    The note belongs to the stage the SMS was sent for (its trigger) and is dated when the handset got
    it by the provider. A failure has no such moment in the report (nor does a delivery whose report
    gave none): it is dated when the notifier read the report (its event's moment), the first moment
    anyone knew.
    """
    if upstream.type == SmsDelivered.TYPE:
        delivered = SmsDelivered.from_payload(upstream.payload, upstream.schema_version)
        details: dict[str, str | int | None] = {"template": delivered.template, "status": delivered.status}
        note = _note(upstream, details, delivered.trigger_event_id, delivered.delivered_at)
        return _of_application(delivered.application_number, note)
    if upstream.type == SmsDeliveryFailed.TYPE:
        failed = SmsDeliveryFailed.from_payload(upstream.payload, upstream.schema_version)
        details = {"template": failed.template, "status": failed.status, "error_code": failed.error_code}
        return _of_application(failed.application_number, _note(upstream, details, failed.trigger_event_id))
    return None


def _of_application(number: str, note: RecordNote) -> tuple[str, RecordNote] | None:
    try:
        parse_application_number(number)
    except InvalidApplicationNumber:
        return None  # no timeline to put it on (and not a fault: no dead letter)
    return number, note


def _note(
    upstream: EventEnvelope,
    details: dict[str, str | int | None],
    trigger_event_id: str | None = None,
    occurred_at: datetime | None = None,
) -> RecordNote:
    return RecordNote(
        source_event_id=str(upstream.event_id),
        event_type=upstream.type,
        occurred_at=occurred_at or upstream.occurred_at,
        details=details,
        trigger_event_id=trigger_event_id,
    )
