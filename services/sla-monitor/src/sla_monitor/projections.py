"""The sla-monitor's read model (rebuildable from its log): each case's running clock."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from acikkapi_shared.events.envelope import EventEnvelope
from acikkapi_shared.events.sla_monitor import DeadlineSet
from acikkapi_shared.eventstore.schema import UtcDateTime
from sqlalchemy.ext.asyncio import AsyncConnection

metadata = sa.MetaData()

clocks = sa.Table(
    "clocks",
    metadata,
    sa.Column("application_number", sa.String(40), primary_key=True),
    sa.Column("institution", sa.String(60), nullable=False),
    sa.Column("received_at", UtcDateTime, nullable=False),
    sa.Column("budget_days", sa.Integer, nullable=False),
    sa.Column("due_at", UtcDateTime, nullable=False, index=True),
)


def create_tables(connection: sa.Connection) -> None:
    """Creates the read-model tables if missing."""
    metadata.create_all(connection)


class SlaProjector:
    """Applies the sla-monitor's events to its read model."""

    async def apply(self, connection: AsyncConnection, events: Sequence[EventEnvelope]) -> None:
        """Records each deadline."""
        for event in events:
            if event.type == DeadlineSet.TYPE:
                deadline = DeadlineSet.from_payload(event.payload)
                await connection.execute(
                    sa.insert(clocks).values(
                        application_number=deadline.application_number,
                        institution=deadline.institution,
                        received_at=deadline.received_at,
                        budget_days=deadline.budget_days,
                        due_at=deadline.due_at,
                    )
                )

    async def reset(self, connection: AsyncConnection) -> None:
        """Empties the read model before a replay."""
        await connection.execute(sa.delete(clocks))
