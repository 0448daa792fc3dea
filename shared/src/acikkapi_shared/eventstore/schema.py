"""Tables of a service's event log: events, the relay's position, tracking, read-model versions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect


class UtcDateTime(sa.TypeDecorator[datetime]):
    """Stores aware datetimes in UTC and always returns them aware (SQLite drops the offset)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def bind_processor(self, dialect: Dialect) -> Any:
        """On SQLite, one step to SQLAlchemy's text form of a DATETIME ("2026-12-06 21:50:03.000123"):
        process_bind_param and then the dialect's %-formatting from a dict of seven fields were a
        few per cent of each service's CPU (every event has two moments, every tracking row one)."""
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)

        def process(value: datetime | None) -> str | None:
            if value is None:
                return None
            if value.tzinfo is None:
                raise ValueError("naive datetimes are not stored")
            return value.astimezone(UTC).isoformat(" ", "microseconds")[:-6]  # without "+00:00"

        return process

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JsonDocument: Any = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

metadata = sa.MetaData()

events = sa.Table(
    "events",
    metadata,
    # The global position of the service's log; appends are serialised, so insert order = commit order.
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
    # actor, idempotency key, request id (migration 0002)
    sa.Column("metadata", JsonDocument, nullable=True),
    # Reserved for a per-stream hash chain over the stored form (tamper evidence); not written yet.
    sa.Column("prev_hash", sa.String(64), nullable=True),
    sa.Column("hash", sa.String(64), nullable=True),
    sa.UniqueConstraint("stream_id", "stream_version", name="uq_events_stream_version"),
)
sa.Index("ix_events_correlation", events.c.correlation_id)

relay_positions = sa.Table(
    "relay_positions",
    metadata,
    sa.Column("relay", sa.String(100), primary_key=True),
    sa.Column("position", sa.BigInteger, nullable=False),
)

tracking = sa.Table(
    "tracking",
    metadata,
    # One row per upstream message whose effects this service committed (exactly-once effect).
    sa.Column("consumer", sa.String(100), primary_key=True),
    sa.Column("message_key", sa.String(300), primary_key=True),
    sa.Column("source", sa.String(300), nullable=False),
    sa.Column("processed_at", UtcDateTime, nullable=False),
    # What a command gateway answered (event ids or the rejection), so a retry gets the same answer.
    sa.Column("outcome", JsonDocument, nullable=True),
)

read_model_versions = sa.Table(
    "read_model_versions",
    metadata,
    # The version of each projector whose tables are built; a different one rebuilds them.
    sa.Column("projector", sa.String(100), primary_key=True),
    sa.Column("version", sa.String(100), nullable=False),
    sa.Column("rebuilt_at", UtcDateTime, nullable=False),
)
