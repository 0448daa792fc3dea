"""The sla-monitor's read model (rebuildable from its log): each case's running clock."""

from __future__ import annotations

import sqlalchemy as sa
from acikkapi_shared.events.envelope import EventEnvelope
from acikkapi_shared.events.sla_monitor import DeadlineSet
from acikkapi_shared.eventstore.schema import UtcDateTime
from acikkapi_shared.eventstore.unit_of_work import TableProjector
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


class SlaProjector(TableProjector):
    """Applies the sla-monitor's events to its read model."""

    metadata = metadata

    async def on_DeadlineSet(self, connection: AsyncConnection, event: EventEnvelope) -> None:
        """Records a case's deadline."""
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
