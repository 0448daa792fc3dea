"""The event log, the relay's published positions and consumer tracking.

A frozen copy of the schema as it was at this revision (schema.py is the current one): later changes
get revisions of their own, so this file never changes.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# The column types as they were at this revision (not imported from the live schema, which may change).
UtcDateTime = sa.DateTime(timezone=True)
JsonDocument = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column(
            "position",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        sa.Column("stream_id", sa.String(200), nullable=False),
        sa.Column("stream_version", sa.Integer, nullable=False),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("schema_version", sa.Integer, nullable=False),
        sa.Column("occurred_at", UtcDateTime, nullable=False),
        sa.Column("recorded_at", UtcDateTime, nullable=False),
        sa.Column("correlation_id", sa.String(200), nullable=False),
        sa.Column("causation_id", sa.String(200), nullable=True),
        sa.Column("payload", JsonDocument, nullable=False),
        sa.UniqueConstraint("stream_id", "stream_version", name="uq_events_stream_version"),
    )
    op.create_index("ix_events_correlation", "events", ["correlation_id"])
    op.create_table(
        "relay_positions",
        sa.Column("relay", sa.String(100), primary_key=True),
        sa.Column("position", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "tracking",
        sa.Column("consumer", sa.String(100), primary_key=True),
        sa.Column("message_key", sa.String(300), primary_key=True),
        sa.Column("source", sa.String(300), nullable=False),
        sa.Column("processed_at", UtcDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("tracking")
    op.drop_table("relay_positions")
    op.drop_index("ix_events_correlation", "events")
    op.drop_table("events")
