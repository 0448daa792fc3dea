"""The event store: optimistic appends to streams, reads by stream, position and correlation."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from acikkapi_shared.clock import Clock
from acikkapi_shared.events.envelope import EventEnvelope, NewEvent, trusted
from acikkapi_shared.eventstore.codec import IdentityCodec, PayloadCodec
from acikkapi_shared.eventstore.errors import ConcurrencyConflict
from acikkapi_shared.eventstore.schema import events
from acikkapi_shared.observability import metrics


@dataclass(frozen=True, slots=True)
class PendingEvent:
    """An event with the stream version it is to be written at."""

    stream_id: str
    version: int
    event: NewEvent


class SqlAlchemyEventStore:
    """A service's append-only event log on SQLAlchemy (SQLite or PostgreSQL).

    Reads return the decoded form of payloads (see codec.py); `stored=True` returns the stored form,
    which is what leaves the service (the relay) and what verification would read.
    """

    def __init__(self, service: str, clock: Clock, codec: PayloadCodec | None = None) -> None:
        self.service = service
        self._clock = clock
        self._codec = codec or IdentityCodec()

    @property
    def stores_payloads_as_decoded(self) -> bool:
        """Returns whether the stored form of every payload is its decoded form (no codec changes it)."""
        return isinstance(self._codec, IdentityCodec)

    def now(self) -> datetime:
        """Returns the time on the service's clock (the one events are recorded with)."""
        return self._clock.now()

    async def lock_appends(self, connection: AsyncConnection) -> None:
        """Takes the log's append lock until the transaction ends (SQLite: BEGIN IMMEDIATE has it)."""
        if connection.dialect.name == "postgresql":
            # Serialise appends so positions commit in order and a tailing reader never skips one.
            await connection.exec_driver_sql("LOCK TABLE events IN EXCLUSIVE MODE")

    async def append(
        self,
        connection: AsyncConnection,
        stream_id: str,
        expected_version: int,
        new_events: Sequence[NewEvent],
    ) -> list[EventEnvelope]:
        """Appends events after expected_version (0 = new stream); raises ConcurrencyConflict."""
        if not new_events:
            return []
        actual = await self.stream_version(connection, stream_id)
        if actual != expected_version:
            raise ConcurrencyConflict(stream_id, expected_version, actual)
        return await self.insert(
            connection,
            [PendingEvent(stream_id, expected_version + i, e) for i, e in enumerate(new_events, start=1)],
        )

    async def insert(
        self,
        connection: AsyncConnection,
        pending: Sequence[PendingEvent],
        *,
        not_before: datetime | None = None,
    ) -> list[EventEnvelope]:
        """Writes versioned events in one statement; a version already taken raises ConcurrencyConflict.

        not_before: the transaction commits no earlier than that moment (a timer burst written ahead
        of its moment), so the events are recorded at it if it is still to come.
        """
        if not pending:
            return []
        started = time.perf_counter()
        await self.lock_appends(connection)
        recorded_at = self._clock.now()
        if not_before is not None and recorded_at < not_before:
            recorded_at = not_before
        recorded_at = recorded_at.astimezone(UTC)
        rows = [
            {
                "event_id": str(item.event.event_id),
                "stream_id": item.stream_id,
                "stream_version": item.version,
                "type": item.event.type,
                "schema_version": item.event.schema_version,
                "occurred_at": item.event.occurred_at,
                "recorded_at": recorded_at,
                "correlation_id": item.event.correlation_id,
                "causation_id": item.event.causation_id,
                "payload": self._codec.encode(item.event.type, item.event.payload),
                "metadata": item.event.metadata or None,
            }
            for item in pending
        ]
        try:
            # Multi-row INSERTs returning each row's position, matched by event id: RETURNING in a
            # guaranteed order would make SQLAlchemy insert row by row on SQLite.
            found = await connection.execute(
                sa.insert(events).returning(events.c.event_id, events.c.position), rows
            )
        except IntegrityError as error:
            first = pending[0]
            raise ConcurrencyConflict(first.stream_id, first.version - 1) from error
        by_id = {row.event_id: row.position for row in found}
        # A latency, observed also for a transaction that is later rolled back and retried: it was spent.
        metrics.APPEND_SECONDS.labels(self.service).observe(time.perf_counter() - started)
        # The rows as recorded, with the decoded payload and the typed id (not parsed back from text).
        return [
            trusted(
                EventEnvelope,
                {
                    **row,
                    "event_id": item.event.event_id,
                    "service": self.service,
                    "position": by_id[row["event_id"]],
                    "payload": dict(item.event.payload),
                    "metadata": item.event.metadata,
                },
            )
            for row, item in zip(rows, pending, strict=True)
        ]

    async def stream_version(self, connection: AsyncConnection, stream_id: str) -> int:
        """Returns the stream's current version (0 when it has no events)."""
        query = sa.select(sa.func.max(events.c.stream_version)).where(events.c.stream_id == stream_id)
        version = (await connection.execute(query)).scalar()
        return int(version or 0)

    async def stream_versions(self, connection: AsyncConnection, stream_ids: Sequence[str]) -> dict[str, int]:
        """Returns the current version of each stream that has events, in one query."""
        query = (
            sa.select(events.c.stream_id, sa.func.max(events.c.stream_version))
            .where(events.c.stream_id.in_(list(stream_ids)))
            .group_by(events.c.stream_id)
        )
        return {row[0]: int(row[1]) for row in await connection.execute(query)}

    async def load_stream(self, connection: AsyncConnection, stream_id: str) -> list[EventEnvelope]:
        """Returns the stream's events in version order."""
        query = sa.select(events).where(events.c.stream_id == stream_id).order_by(events.c.stream_version)
        return [self._decoded(row._mapping) for row in await connection.execute(query)]

    async def load_last(self, connection: AsyncConnection, stream_id: str) -> list[EventEnvelope]:
        """Returns the stream's last event (an empty list for an empty stream)."""
        query = (
            sa.select(events)
            .where(events.c.stream_id == stream_id)
            .order_by(events.c.stream_version.desc())
            .limit(1)
        )
        return [self._decoded(row._mapping) for row in await connection.execute(query)]

    async def load_streams(
        self, connection: AsyncConnection, stream_ids: Sequence[str]
    ) -> list[EventEnvelope]:
        """Returns the events of several streams in one query, each stream in version order."""
        query = (
            sa.select(events)
            .where(events.c.stream_id.in_(list(stream_ids)))
            .order_by(events.c.stream_id, events.c.stream_version)
        )
        return [self._decoded(row._mapping) for row in await connection.execute(query)]

    async def read_after(
        self, connection: AsyncConnection, position: int, limit: int, *, stored: bool = False
    ) -> list[EventEnvelope]:
        """Returns up to limit events with a global position greater than position, in order."""
        query = sa.select(events).where(events.c.position > position).order_by(events.c.position).limit(limit)
        rows = await connection.execute(query)
        if stored:
            return [self._envelope(row._mapping) for row in rows]
        return [self._decoded(row._mapping) for row in rows]

    async def read_types_after(
        self, connection: AsyncConnection, position: int, limit: int, types: frozenset[str]
    ) -> tuple[list[EventEnvelope], int, bool]:
        """Returns up to limit events of these types after position, in their stored form, the position
        the read reached (the log's head unless limit rows were read) and whether more may follow.

        One statement, so both come from one snapshot (PostgreSQL's read committed takes one per
        statement): an event committed between two statements can never be passed over. The head row
        comes along even when it is of another type, for its position only.
        """
        head = sa.select(sa.func.max(events.c.position)).scalar_subquery()
        query = (
            sa.select(events)
            .where(events.c.position > position)
            .where(sa.or_(events.c.type.in_(sorted(types)), events.c.position == head))
            .order_by(events.c.position)
            .limit(limit)
        )
        rows = [row._mapping for row in await connection.execute(query)]
        if not rows:
            return [], position, False
        found = [self._envelope(row) for row in rows if row["type"] in types]
        return found, int(rows[-1]["position"]), len(rows) == limit

    async def read_events(self, connection: AsyncConnection, event_ids: Sequence[str]) -> list[EventEnvelope]:
        """Returns the events with these ids, in log order."""
        query = sa.select(events).where(events.c.event_id.in_(list(event_ids))).order_by(events.c.position)
        return [self._decoded(row._mapping) for row in await connection.execute(query)]

    async def read_correlated(
        self, connection: AsyncConnection, correlation_ids: Sequence[str]
    ) -> list[EventEnvelope]:
        """Returns every event of the given correlation ids (applications), in log order."""
        query = (
            sa.select(events)
            .where(events.c.correlation_id.in_(list(correlation_ids)))
            .order_by(events.c.position)
        )
        return [self._decoded(row._mapping) for row in await connection.execute(query)]

    async def head_position(self, connection: AsyncConnection) -> int:
        """Returns the position of the last recorded event (0 for an empty log)."""
        position = (await connection.execute(sa.select(sa.func.max(events.c.position)))).scalar()
        return int(position or 0)

    def _decoded(self, row: Mapping[Any, Any]) -> EventEnvelope:
        # The payload passed beside the row, not merged into a copy of it: `{**row}` of a RowMapping
        # builds its keys view each time (a twentieth of a timer burst's CPU).
        return self._envelope(row, payload=self._codec.decode(row["type"], dict(row["payload"])))

    def _envelope(self, row: Mapping[Any, Any], payload: dict[str, Any] | None = None) -> EventEnvelope:
        # Built without validation: every value was validated before it was stored, and the columns'
        # types give it back as it went in (UtcDateTime returns aware UTC datetimes). Validating each
        # event read again was the largest single cost of reading the log.
        return trusted(
            EventEnvelope,
            {
                "event_id": UUID(row["event_id"]) if isinstance(row["event_id"], str) else row["event_id"],
                "service": self.service,
                "stream_id": row["stream_id"],
                "stream_version": row["stream_version"],
                "position": row["position"],
                "type": row["type"],
                "schema_version": row["schema_version"],
                "occurred_at": row["occurred_at"].astimezone(UTC),
                "recorded_at": row["recorded_at"].astimezone(UTC),
                "correlation_id": row["correlation_id"],
                "causation_id": row["causation_id"],
                "payload": dict(row["payload"]) if payload is None else payload,
                "metadata": dict(row["metadata"] or {}),
            },
        )
