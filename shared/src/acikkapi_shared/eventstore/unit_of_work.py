"""One database transaction in which a service loads streams, appends events and updates projections."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import sqlalchemy as sa
from acikkapi_shared.clock import Clock
from acikkapi_shared.events.envelope import EventEnvelope, NewEvent
from acikkapi_shared.eventstore.store import SqlAlchemyEventStore
from acikkapi_shared.observability import metrics
from sqlalchemy.ext.asyncio import AsyncConnection


class Projector(Protocol):
    """Keeps a service's read models in step with its log, in the same transaction as the append."""

    def create_tables(self, connection: sa.Connection) -> None: ...

    async def apply(self, connection: AsyncConnection, events: Sequence[EventEnvelope]) -> None: ...

    async def reset(self, connection: AsyncConnection) -> None: ...


class TableProjector:
    """Base of a service's read models: the tables in `metadata`, created at start, emptied for a replay."""

    metadata: sa.MetaData

    def create_tables(self, connection: sa.Connection) -> None:
        """Creates the read-model tables if missing (they are disposable: replay rebuilds them)."""
        self.metadata.create_all(connection)

    async def reset(self, connection: AsyncConnection) -> None:
        """Empties the read models before a replay."""
        for table in reversed(self.metadata.sorted_tables):
            await connection.execute(sa.delete(table))

    async def apply(self, connection: AsyncConnection, events: Sequence[EventEnvelope]) -> None:
        """Applies each event with the method named after its type (`on_CaseRouted`), if any."""
        for event in events:
            method = getattr(self, f"on_{event.type}", None)
            if method is not None:
                await method(connection, event)


class NoProjections:
    """A projector for a service without read models."""

    def create_tables(self, connection: sa.Connection) -> None:
        """Does nothing."""

    async def apply(self, connection: AsyncConnection, events: Sequence[EventEnvelope]) -> None:
        """Does nothing."""

    async def reset(self, connection: AsyncConnection) -> None:
        """Does nothing."""


class UnitOfWork:
    """Loads and appends within one open transaction; projections follow every append."""

    def __init__(
        self,
        connection: AsyncConnection,
        store: SqlAlchemyEventStore,
        projector: Projector,
        clock: Clock,
    ) -> None:
        self.connection = connection
        self.store = store
        self.clock = clock
        self._projector = projector
        self.appended: list[EventEnvelope] = []

    async def load(self, stream_id: str) -> list[EventEnvelope]:
        """Returns the stream's events as this transaction sees them."""
        return await self.store.load_stream(self.connection, stream_id)

    async def append(
        self, stream_id: str, expected_version: int, events: Sequence[NewEvent]
    ) -> list[EventEnvelope]:
        """Appends events with optimistic concurrency and applies them to the projections."""
        recorded = await self.store.append(self.connection, stream_id, expected_version, events)
        await self._projector.apply(self.connection, recorded)
        self.appended.extend(recorded)
        for event in recorded:
            metrics.EVENTS_APPENDED.labels(self.store.service, event.type).inc()
        return recorded
