"""What the citizen API shows of an application: the stage alone, or with the tracking code the whole
timeline (every stage with its date, institution, due moment, the question asked, the answer)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from acikkapi_shared.reference import kars
from intake.domain.stages import (
    CLOSED_STAGES,
    OUTCOME_LABELS_TR,
    REFUSAL_LABEL_TR,
    REFUSAL_LABELS_TR,
    entry_label,
    stage_label,
)
from intake.entrypoints.timeline_notes import NOTE_EVENT_TYPES

ISTANBUL = ZoneInfo("Europe/Istanbul")


class InstitutionView(BaseModel):
    code: str
    name: str


class ApplicationSummary(BaseModel):
    """The number alone: the stage and the office due moment (null while the clock is paused)."""

    application_number: str
    stage: str
    stage_label: str
    deadline: datetime | None
    deadline_paused: bool


class RefusalView(BaseModel):
    """A request of the applicant the router refused: which, why (a stable code, a Turkish message)."""

    request: str
    code: str
    message: str


class SmsReportView(BaseModel):
    """What became of an SMS sent to the applicant: its template, delivered or not."""

    template: str | None
    delivered: bool


class TimelineEntry(BaseModel):
    """One line of the timeline, in the case's own order."""

    stage: str
    stage_label: str
    label: str
    at: datetime
    institution: InstitutionView | None
    deadline: datetime | None
    deadline_paused: bool
    request_number: int | None = None
    question: str | None = None  # what the institution asked
    information: str | None = None  # what the applicant supplied
    answer: str | None = None  # once concluded
    outcome: str | None = None
    outcome_label: str | None = None
    reasons: str | None = None
    objection: str | None = None
    withdrawal_reason: str | None = None
    refusal: RefusalView | None = None
    sms: SmsReportView | None = None


class ApplicationTimeline(ApplicationSummary):
    """With the tracking code: everything."""

    institution: InstitutionView | None
    received_at: datetime
    updated_at: datetime
    timeline: list[TimelineEntry]
    # The requests the applicant may make now: "information", "objection", "withdrawal".
    actions: list[str] = []


def istanbul(moment: datetime | None) -> datetime | None:
    """Returns the moment in Europe/Istanbul (None stays None)."""
    return None if moment is None else moment.astimezone(ISTANBUL)


def istanbul_at(moment: datetime) -> datetime:
    """Returns the moment in Europe/Istanbul."""
    return moment.astimezone(ISTANBUL)


def institution_view(code: str | None) -> InstitutionView | None:
    """Returns the institution with its full name from the reference data."""
    if not code:
        return None
    known = kars().institutions.get(code)
    return InstitutionView(code=code, name=known.name if known else code)


def summary(row: Any) -> ApplicationSummary:
    """Returns what the number alone shows."""
    return ApplicationSummary(
        application_number=row.application_number,
        stage=row.stage,
        stage_label=stage_label(row.stage),
        # Nothing is due once concluded or withdrawn (Open311's expected_datetime and the page agree).
        deadline=None if row.clock_paused or row.stage in CLOSED_STAGES else istanbul(row.due_at),
        deadline_paused=bool(row.clock_paused),
    )


def full_timeline(row: Any, lines: Sequence[Any]) -> ApplicationTimeline:
    """Returns the application with its timeline; lines in the case's order (source_version)."""
    return ApplicationTimeline(
        **summary(row).model_dump(),
        institution=institution_view(row.institution),
        received_at=istanbul_at(row.received_at),
        updated_at=istanbul_at(stage_moment(row, lines)),
        timeline=entries(lines),
    )


def stage_moment(row: Any, lines: Sequence[Any]) -> datetime:
    """Returns the moment of the application's latest stage on its timeline (Open311's updated_datetime
    tells the same): not a note's (an SMS report), and not when intake read the event."""
    stages: list[datetime] = [line.occurred_at for line in lines if line.event_type not in NOTE_EVENT_TYPES]
    latest: datetime = max(stages, default=row.received_at)
    return latest


# event type -> the field of a line its text is shown in
_TEXT_FIELD = {
    "InformationRequested": "question",
    "InformationSupplied": "information",
    "CaseConcluded": "answer",
    "CaseReopened": "objection",
    "CaseWithdrawn": "withdrawal_reason",
}


def entries(lines: Sequence[Any]) -> list[TimelineEntry]:
    """Returns the timeline's lines; a line the sla-monitor said nothing about keeps the due moment of
    the line before it. A line of a concluded or withdrawn stage shows none: nothing was due any more
    (the lines before it keep what held then)."""
    shown: list[TimelineEntry] = []
    due: datetime | None = None
    paused = False
    for line in lines:
        if line.clock_paused or line.due_at is not None:
            due, paused = line.due_at, bool(line.clock_paused)
        details: dict[str, Any] = {}
        field = _TEXT_FIELD.get(line.event_type)
        if field is not None and line.text:
            details[field] = line.text
        if line.outcome:
            details["outcome"] = line.outcome
            details["outcome_label"] = OUTCOME_LABELS_TR.get(line.outcome, line.outcome)
            details["reasons"] = line.reasons or None
        closed = line.stage in CLOSED_STAGES
        label = entry_label(line.event_type, line.stage)
        noted = _noted(line.event_type, line.details or {})
        if isinstance(noted, RefusalView):
            details["refusal"] = noted
            label = REFUSAL_LABELS_TR.get(noted.request, REFUSAL_LABEL_TR)
        elif noted is not None:
            details["sms"] = noted
        shown.append(
            TimelineEntry(
                stage=line.stage,
                stage_label=stage_label(line.stage),
                label=label,
                at=istanbul_at(line.occurred_at),
                institution=institution_view(line.institution),
                deadline=None if paused or closed else istanbul(due),
                deadline_paused=paused and not closed,
                request_number=line.request_number,
                **details,
            )
        )
    return shown


def _noted(event_type: str, details: dict[str, Any]) -> RefusalView | SmsReportView | None:
    """Returns what a line that moves no stage tells besides its label."""
    if event_type == "ApplicantRequestRefused":
        return RefusalView(
            request=str(details.get("request")),
            code=str(details.get("code")),
            message=str(details.get("message")),
        )
    if event_type in ("SmsDelivered", "SmsDeliveryFailed"):
        template = details.get("template")
        return SmsReportView(
            template=None if template is None else str(template), delivered=event_type == "SmsDelivered"
        )
    return None
