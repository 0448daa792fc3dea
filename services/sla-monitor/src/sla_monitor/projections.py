"""The sla-monitor's read model (rebuildable from its log): each case's running clock."""

from __future__ import annotations

from typing import ClassVar

import sqlalchemy as sa

from acikkapi_shared.events.envelope import EventEnvelope
from acikkapi_shared.events.sla_monitor import DeadlineSet
from acikkapi_shared.eventstore.projection import Insert, TableProjector, Write, WriteRule, on
from acikkapi_shared.eventstore.schema import UtcDateTime

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


def deadline_set(deadline: DeadlineSet, _event: EventEnvelope) -> list[Write]:
    """Returns the row of a case's clock."""
    return [
        Insert(
            clocks,
            {
                "application_number": deadline.application_number,
                "institution": deadline.institution,
                "received_at": deadline.received_at,
                "budget_days": deadline.budget_days,
                "due_at": deadline.due_at,
            },
        )
    ]


class SlaProjector(TableProjector):
    """The sla-monitor's read model."""

    metadata: ClassVar[sa.MetaData] = metadata
    rules: ClassVar[dict[str, WriteRule]] = dict([on(DeadlineSet, deadline_set)])
