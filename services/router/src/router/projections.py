"""The router's read model (rebuildable from its log): which institution each case is with."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from acikkapi_shared.events.envelope import EventEnvelope
from acikkapi_shared.events.router import CaseRouted
from acikkapi_shared.eventstore.schema import UtcDateTime
from sqlalchemy.ext.asyncio import AsyncConnection

metadata = sa.MetaData()

cases = sa.Table(
    "cases",
    metadata,
    sa.Column("application_number", sa.String(40), primary_key=True),
    sa.Column("institution", sa.String(60), nullable=False, index=True),
    sa.Column("rule", sa.String(120), nullable=False),
    sa.Column("confidence", sa.Float, nullable=False),
    sa.Column("routed_at", UtcDateTime, nullable=False),
)


def create_tables(connection: sa.Connection) -> None:
    """Creates the read-model tables if missing."""
    metadata.create_all(connection)


class RouterProjector:
    """Applies the router's events to its read model."""

    async def apply(self, connection: AsyncConnection, events: Sequence[EventEnvelope]) -> None:
        """Records each routing decision."""
        for event in events:
            if event.type == CaseRouted.TYPE:
                routed = CaseRouted.from_payload(event.payload)
                await connection.execute(
                    sa.insert(cases).values(
                        application_number=routed.application_number,
                        institution=routed.institution,
                        rule=routed.rule,
                        confidence=routed.confidence,
                        routed_at=event.occurred_at,
                    )
                )

    async def reset(self, connection: AsyncConnection) -> None:
        """Empties the read model before a replay."""
        await connection.execute(sa.delete(cases))
