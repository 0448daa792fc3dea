"""Decisions of intake: register or reject a submission, and follow the citizen-facing stage."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from acikkapi_shared.events.envelope import EventEnvelope, NewEvent
from acikkapi_shared.events.intake import (
    Applicant,
    ApplicationRegistered,
    ApplicationStageChanged,
    Problem,
    SubmissionRejected,
)
from acikkapi_shared.events.router import CaseRouted
from acikkapi_shared.events.sla_monitor import DeadlineSet
from intake.domain.submission import ValidSubmission
from intake.domain.validation import ValidationProblem

ISTANBUL = ZoneInfo("Europe/Istanbul")
NUMBER_ISSUED = "ApplicationNumberIssued"

# Citizen-facing stages and how the tracking page names them.
STAGE_LABELS_TR = {
    "REGISTERED": "Başvurunuz alındı ve kaydedildi",
    "ROUTED": "Başvurunuz ilgili kuruma iletildi",
    "CONCLUDED": "Başvurunuz sonuçlandırıldı",
}


def numbering_stream(received_at: datetime) -> str:
    """Returns the stream whose version is the last sequence issued in the Istanbul year of receipt."""
    return f"application-numbers-{received_at.astimezone(ISTANBUL).year}"


def numbering_year(received_at: datetime) -> int:
    """Returns the year an application number belongs to (the Istanbul year of receipt)."""
    return received_at.astimezone(ISTANBUL).year


def register(
    submission: ValidSubmission,
    *,
    application_number: str,
    tracking_code: str,
    now: datetime,
    causation_id: str | None,
) -> tuple[NewEvent, NewEvent]:
    """Returns the number-issued event (numbering stream) and ApplicationRegistered (case stream)."""
    issued = NewEvent(
        type=NUMBER_ISSUED,
        payload={"application_number": application_number, "submission_id": submission.submission_id},
        correlation_id=application_number,
        causation_id=causation_id,
        occurred_at=now,
    )
    registered = ApplicationRegistered(
        application_number=application_number,
        tracking_code=tracking_code,
        submission_id=submission.submission_id,
        channel=submission.channel,
        received_at=submission.submitted_at,
        topic=submission.topic,
        type=submission.type,
        district=submission.district,
        text=submission.text,
        applicant=Applicant(
            name=submission.applicant_name, phone=submission.phone_e164, tckn=submission.tckn
        ),
    )
    return issued, registered.as_event(
        correlation_id=application_number, causation_id=causation_id, occurred_at=now
    )


def reject(
    problems: tuple[ValidationProblem, ...],
    *,
    submission_id: str | None,
    source: str,
    now: datetime,
) -> NewEvent:
    """Returns SubmissionRejected listing every problem with its Turkish message."""
    rejected = SubmissionRejected(
        submission_id=submission_id,
        received_at=now,
        problems=[Problem(code=p.code, field=p.field, message_tr=p.message_tr) for p in problems],
        source=source,
    )
    return rejected.as_event(correlation_id=submission_id or source, causation_id=None, occurred_at=now)


def stage_change(upstream: EventEnvelope, *, now: datetime) -> NewEvent | None:
    """Returns the citizen-facing stage change an upstream event causes, or None if it causes none."""
    change: ApplicationStageChanged | None = None
    if upstream.type == CaseRouted.TYPE:
        routed = CaseRouted.from_payload(upstream.payload)
        change = ApplicationStageChanged(
            application_number=routed.application_number,
            stage="ROUTED",
            institution=routed.institution,
            source_service=upstream.service,
            source_event_id=str(upstream.event_id),
        )
    elif upstream.type == DeadlineSet.TYPE:
        deadline = DeadlineSet.from_payload(upstream.payload)
        change = ApplicationStageChanged(
            application_number=deadline.application_number,
            stage="ROUTED",
            institution=deadline.institution,
            due_at=deadline.due_at,
            source_service=upstream.service,
            source_event_id=str(upstream.event_id),
        )
    if change is None:
        return None
    return change.as_event(
        correlation_id=change.application_number, causation_id=str(upstream.event_id), occurred_at=now
    )
