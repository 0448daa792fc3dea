"""Intake's read models (rebuildable from its log): applications' status and submissions' outcome."""

from __future__ import annotations

import sqlalchemy as sa
from acikkapi_shared.events.envelope import EventEnvelope
from acikkapi_shared.events.intake import (
    ApplicationRegistered,
    ApplicationStageChanged,
    SubmissionRejected,
)
from acikkapi_shared.eventstore.schema import JsonDocument, UtcDateTime
from acikkapi_shared.eventstore.unit_of_work import TableProjector
from sqlalchemy.ext.asyncio import AsyncConnection

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


class IntakeProjector(TableProjector):
    """Applies intake's own events to its read models."""

    metadata = metadata

    async def on_ApplicationRegistered(self, connection: AsyncConnection, event: EventEnvelope) -> None:
        """Adds the application (stage REGISTERED) and its submission's outcome."""
        await self._registered(connection, ApplicationRegistered.from_payload(event.payload), event)

    async def on_ApplicationStageChanged(self, connection: AsyncConnection, event: EventEnvelope) -> None:
        """Moves the application's stage, institution and deadline."""
        await self._stage(connection, ApplicationStageChanged.from_payload(event.payload), event)

    async def on_SubmissionRejected(self, connection: AsyncConnection, event: EventEnvelope) -> None:
        """Records why a submission was not registered."""
        await self._rejected(connection, SubmissionRejected.from_payload(event.payload), event)

    async def _registered(
        self, connection: AsyncConnection, registered: ApplicationRegistered, event: EventEnvelope
    ) -> None:
        await connection.execute(
            sa.insert(applications).values(
                application_number=registered.application_number,
                submission_id=registered.submission_id,
                tracking_code=registered.tracking_code,
                channel=registered.channel,
                topic=registered.topic,
                type=registered.type,
                district=registered.district,
                stage="REGISTERED",
                received_at=registered.received_at,
                updated_at=event.occurred_at,
            )
        )
        await connection.execute(
            sa.insert(submissions).values(
                submission_id=registered.submission_id,
                status="REGISTERED",
                application_number=registered.application_number,
                recorded_at=event.occurred_at,
            )
        )

    async def _stage(
        self, connection: AsyncConnection, change: ApplicationStageChanged, event: EventEnvelope
    ) -> None:
        values: dict[str, object] = {"stage": change.stage, "updated_at": event.occurred_at}
        if change.institution is not None:
            values["institution"] = change.institution
        if change.due_at is not None:
            values["due_at"] = change.due_at
        await connection.execute(
            sa.update(applications)
            .where(applications.c.application_number == change.application_number)
            .values(**values)
        )

    async def _rejected(
        self, connection: AsyncConnection, rejected: SubmissionRejected, event: EventEnvelope
    ) -> None:
        if rejected.submission_id is None:
            return
        await connection.execute(
            sa.insert(submissions).values(
                submission_id=rejected.submission_id,
                status="REJECTED",
                problems=[p.model_dump() for p in rejected.problems],
                recorded_at=event.occurred_at,
            )
        )
