"""The router's read model (rebuildable from its log): which institution each case is with."""

from __future__ import annotations

import sqlalchemy as sa
from acikkapi_shared.events.envelope import EventEnvelope
from acikkapi_shared.events.router import CaseRouted
from acikkapi_shared.eventstore.schema import UtcDateTime
from acikkapi_shared.eventstore.unit_of_work import TableProjector
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


class RouterProjector(TableProjector):
    """Applies the router's events to its read model."""

    metadata = metadata

    async def on_CaseRouted(self, connection: AsyncConnection, event: EventEnvelope) -> None:
        """Records a routing decision."""
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
