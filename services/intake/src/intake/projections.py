"""Intake's read models (rebuildable from its log): applications' status and submissions' outcome."""

from __future__ import annotations

from typing import ClassVar

import sqlalchemy as sa

from acikkapi_shared.events.envelope import EventEnvelope
from acikkapi_shared.events.intake import (
    ApplicationRegistered,
    ApplicationStageChanged,
    SubmissionRejected,
)
from acikkapi_shared.eventstore.projection import Insert, TableProjector, Update, Write, WriteRule, on
from acikkapi_shared.eventstore.schema import JsonDocument, UtcDateTime

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
    sa.Column("received_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
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
                "stage": "REGISTERED",
                "received_at": application.received_at,
                "updated_at": event.occurred_at,
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
        "updated_at": event.occurred_at,
    }
    return [Update(applications, "application_number", change.application_number, values)]


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


class IntakeProjector(TableProjector):
    """Intake's read models: applications' status, submissions' outcome."""

    metadata: ClassVar[sa.MetaData] = metadata
    rules: ClassVar[dict[str, WriteRule]] = dict(
        [
            on(ApplicationRegistered, registered),
            on(ApplicationStageChanged, stage_changed),
            on(SubmissionRejected, rejected),
        ]
    )
