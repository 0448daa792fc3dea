"""Intake's read models (rebuildable from its log): applications' status, their timelines,
submissions' outcome and Halk Günü meetings."""

from __future__ import annotations

from typing import ClassVar

import sqlalchemy as sa

from acikkapi_shared.events.envelope import EventEnvelope
from acikkapi_shared.events.intake import ApplicationRegistered, SubmissionRejected
from acikkapi_shared.eventstore.projection import (
    SET_NULL,
    Insert,
    TableProjector,
    Update,
    Write,
    WriteRule,
    on,
)
from acikkapi_shared.eventstore.schema import JsonDocument, UtcDateTime
from intake.domain.duplicates import LikelyDuplicateFlagged
from intake.domain.events import (
    ApplicationStageChanged,
    DeadlineRecorded,
    StageRecorded,
    TimelineNoted,
    TimelineNoteMoved,
)
from intake.domain.meetings import MeetingApplicationLinked, MeetingRecorded
from intake.domain.stages import REGISTERED_ENTRY, Stage

metadata = sa.MetaData()

applications = sa.Table(
    "applications",
    metadata,
    sa.Column("application_number", sa.String(40), primary_key=True),
    sa.Column("submission_id", sa.String(64), nullable=False, unique=True),
    sa.Column("tracking_code", sa.String(40), nullable=False),
    sa.Column("channel", sa.String(20), nullable=False),
    sa.Column("topic", sa.String(40), nullable=False),
    sa.Column("type", sa.String(40), nullable=False),
    sa.Column("district", sa.String(40), nullable=False),
    sa.Column("stage", sa.String(40), nullable=False),
    sa.Column("institution", sa.String(60), nullable=True),
    sa.Column("due_at", UtcDateTime, nullable=True),
    sa.Column("clock_paused", sa.Boolean, nullable=False, default=False),
    sa.Column("received_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)

# One row per line of an applicant's timeline, ordered by source_version (the case's own sequence in
# the router; 0 for the registration). due_at / clock_paused: what the sla-monitor said about the
# office due moment after this stage (neither: nothing said, the line before still holds).
# occurred_at: the stage's own moment (a desk entry's receipt may be days back); recorded_at: when
# intake recorded the line, what Open311's servicerequestupdates selects by.
timeline = sa.Table(
    "timeline",
    metadata,
    sa.Column("source_event_id", sa.String(64), primary_key=True),
    sa.Column("application_number", sa.String(40), nullable=False, index=True),
    sa.Column("source_version", sa.Integer, nullable=False),
    sa.Column("event_type", sa.String(60), nullable=False),
    sa.Column("stage", sa.String(40), nullable=False),
    sa.Column("occurred_at", UtcDateTime, nullable=False),
    sa.Column("recorded_at", UtcDateTime, nullable=False, index=True),
    sa.Column("institution", sa.String(60), nullable=True),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("outcome", sa.String(40), nullable=True),
    sa.Column("reasons", sa.Text, nullable=False),
    sa.Column("request_number", sa.Integer, nullable=True),
    sa.Column("due_at", UtcDateTime, nullable=True),
    sa.Column("clock_paused", sa.Boolean, nullable=False),
    sa.Column("late", sa.Boolean, nullable=False),
    # A line that moves no stage (TimelineNoted): its ids and codes (a refused request, an SMS report).
    sa.Column("details", JsonDocument, nullable=True),
)

# Halk Günü meetings (domain/meetings.py) and the applications received at each.
meetings = sa.Table(
    "meetings",
    metadata,
    sa.Column("meeting_id", sa.String(40), primary_key=True),
    sa.Column("held_on", sa.Date, nullable=False, index=True),
    sa.Column("chair", sa.String(200), nullable=False),
    sa.Column("place", sa.String(200), nullable=False),
    sa.Column("attendee_count", sa.Integer, nullable=False),
    sa.Column("recorded_at", UtcDateTime, nullable=False),
)
meeting_applications = sa.Table(
    "meeting_applications",
    metadata,
    sa.Column("application_number", sa.String(40), primary_key=True),
    sa.Column("meeting_id", sa.String(40), nullable=False, index=True),
)

submissions = sa.Table(
    "submissions",
    metadata,
    sa.Column("submission_id", sa.String(64), primary_key=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("application_number", sa.String(40), nullable=True),
    sa.Column("problems", JsonDocument, nullable=True),
    sa.Column("recorded_at", UtcDateTime, nullable=False),
)

# A later application that resembles an earlier one of the same applicant (domain/duplicates.py).
likely_duplicates = sa.Table(
    "likely_duplicates",
    metadata,
    sa.Column("application_number", sa.String(40), primary_key=True),
    sa.Column("earlier_application_number", sa.String(40), primary_key=True),
    sa.Column("matched_on", sa.String(10), nullable=False),
    sa.Column("similarity", sa.Float, nullable=False),
    sa.Column("flagged_at", UtcDateTime, nullable=False, index=True),
)


def registered(application: ApplicationRegistered, event: EventEnvelope) -> list[Write]:
    """Returns the new application (stage REGISTERED) and its submission's outcome."""
    return [
        Insert(
            applications,
            {
                "application_number": application.application_number,
                "submission_id": application.submission_id,
                "tracking_code": application.tracking_code,
                "channel": application.channel,
                "topic": application.topic,
                "type": application.type,
                "district": application.district,
                "stage": Stage.REGISTERED.value,
                "clock_paused": False,
                "received_at": application.received_at,
                "updated_at": event.occurred_at,
            },
        ),
        Insert(
            timeline,
            {
                "source_event_id": str(event.event_id),
                "application_number": application.application_number,
                "source_version": 0,
                "event_type": REGISTERED_ENTRY,
                "stage": Stage.REGISTERED.value,
                "occurred_at": application.received_at,
                "recorded_at": event.recorded_at,
                "institution": None,
                "text": "",
                "outcome": None,
                "reasons": "",
                "request_number": None,
                "due_at": None,
                "clock_paused": False,
                "late": False,
                "details": None,
            },
        ),
        Insert(
            submissions,
            {
                "submission_id": application.submission_id,
                "status": "REGISTERED",
                "application_number": application.application_number,
                "problems": None,
                "recorded_at": event.occurred_at,
            },
        ),
    ]


def stage_changed(change: ApplicationStageChanged, event: EventEnvelope) -> list[Write]:
    """Returns the move of the application's stage, institution and deadline (None keeps a value)."""
    values = {
        "stage": change.stage,
        "institution": change.institution,
        "due_at": change.due_at,
        "clock_paused": change.clock_paused,
        "updated_at": event.occurred_at,
    }
    return [Update(applications, "application_number", change.application_number, values)]


def stage_recorded(line: StageRecorded, event: EventEnvelope) -> list[Write]:
    """Returns the new line of the applicant's timeline."""
    values = line.model_dump(
        include={
            "source_event_id",
            "application_number",
            "source_version",
            "event_type",
            "stage",
            "occurred_at",
            "institution",
            "text",
            "outcome",
            "reasons",
            "request_number",
            "due_at",
            "clock_paused",
            "late",
        }
    )
    return [Insert(timeline, {**values, "recorded_at": event.recorded_at, "details": None})]


def deadline_recorded(note: DeadlineRecorded, event: EventEnvelope) -> list[Write]:
    """Returns the due moment on the line of the stage that caused it (if that line is there yet: a
    line recorded later carries it itself)."""
    if note.cause_event_id is None:
        return []
    values = {"due_at": SET_NULL if note.due_at is None else note.due_at, "clock_paused": note.clock_paused}
    return [Update(timeline, "source_event_id", note.cause_event_id, values)]


def noted(note: TimelineNoted, event: EventEnvelope) -> list[Write]:
    """Returns the timeline line of an event that moves no stage, after the stage it belongs to."""
    values = {
        "source_event_id": note.source_event_id,
        "application_number": note.application_number,
        "source_version": note.position,
        "event_type": note.event_type,
        "stage": note.stage,
        "occurred_at": note.occurred_at,
        "recorded_at": event.recorded_at,
        "institution": note.institution,
        "text": "",
        "outcome": None,
        "reasons": "",
        "request_number": None,
        "due_at": note.due_at,
        "clock_paused": note.clock_paused,
        "late": False,
        "details": note.details or None,
    }
    return [Insert(timeline, values)]


def note_moved(move: TimelineNoteMoved, event: EventEnvelope) -> list[Write]:
    """Returns the note's line put under the line it belongs to."""
    values = {
        "source_version": move.position,
        "stage": move.stage,
        "institution": move.institution or SET_NULL,
    }
    return [Update(timeline, "source_event_id", move.source_event_id, values)]


def meeting_recorded(meeting: MeetingRecorded, event: EventEnvelope) -> list[Write]:
    """Returns the new meeting."""
    return [Insert(meetings, meeting.model_dump())]


def meeting_linked(link: MeetingApplicationLinked, event: EventEnvelope) -> list[Write]:
    """Returns the application's link to the meeting it was received at."""
    return [Insert(meeting_applications, link.model_dump())]


def rejected(rejection: SubmissionRejected, event: EventEnvelope) -> list[Write]:
    """Returns why a submission with an id was not registered."""
    if rejection.submission_id is None:
        return []
    return [
        Insert(
            submissions,
            {
                "submission_id": rejection.submission_id,
                "status": "REJECTED",
                "application_number": None,
                "problems": [p.model_dump() for p in rejection.problems],
                "recorded_at": event.occurred_at,
            },
        )
    ]


def duplicate_flagged(flag: LikelyDuplicateFlagged, event: EventEnvelope) -> list[Write]:
    """Returns the link from the later application to the earlier one it resembles."""
    values = flag.model_dump(include={"application_number", "earlier_application_number", "matched_on"})
    return [
        Insert(likely_duplicates, {**values, "similarity": flag.similarity, "flagged_at": event.occurred_at})
    ]


class IntakeProjector(TableProjector):
    """Intake's read models: applications' status and timeline, submissions' outcome."""

    # 2: the timeline, and clock_paused on applications; 3: notes, meetings; 4: duplicates;
    # 5: the timeline's recorded_at
    VERSION: ClassVar[str] = "5"
    metadata: ClassVar[sa.MetaData] = metadata
    rules: ClassVar[dict[str, WriteRule]] = dict(
        [
            on(ApplicationRegistered, registered),
            on(ApplicationStageChanged, stage_changed),
            on(StageRecorded, stage_recorded),
            on(DeadlineRecorded, deadline_recorded),
            on(TimelineNoted, noted),
            on(TimelineNoteMoved, note_moved),
            on(MeetingRecorded, meeting_recorded),
            on(MeetingApplicationLinked, meeting_linked),
            on(SubmissionRejected, rejected),
            on(LikelyDuplicateFlagged, duplicate_flagged),
        ]
    )
