"""The router's read model (rebuildable from its log): which institution each case is with."""

from __future__ import annotations

from typing import ClassVar

import sqlalchemy as sa

from acikkapi_shared.events.envelope import EventEnvelope
from acikkapi_shared.events.router import CaseRouted
from acikkapi_shared.eventstore.projection import Insert, TableProjector, Write, WriteRule, on
from acikkapi_shared.eventstore.schema import UtcDateTime

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


def routed(decision: CaseRouted, event: EventEnvelope) -> list[Write]:
    """Returns the row of a routing decision."""
    return [
        Insert(
            cases,
            {
                "application_number": decision.application_number,
                "institution": decision.institution,
                "rule": decision.rule,
                "confidence": decision.confidence,
                "routed_at": event.occurred_at,
            },
        )
    ]


class RouterProjector(TableProjector):
    """The router's read model."""

    metadata: ClassVar[sa.MetaData] = metadata
    rules: ClassVar[dict[str, WriteRule]] = dict([on(CaseRouted, routed)])
