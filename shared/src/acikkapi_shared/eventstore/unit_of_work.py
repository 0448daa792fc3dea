"""One database transaction in which a service reads streams, appends events and updates projections.

Appends are buffered and written together by flush(): one INSERT for all the batch's events and one
statement per kind of read-model write, instead of several per message. Versions are checked in memory
against what this transaction read, and by the unique (stream, version) index when written.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from acikkapi_shared.clock import Clock
from acikkapi_shared.events.envelope import EventEnvelope, NewEvent
from acikkapi_shared.eventstore.errors import ConcurrencyConflict
from acikkapi_shared.eventstore.store import PendingEvent, SqlAlchemyEventStore
from acikkapi_shared.observability import metrics


class Projector(Protocol):
    """Keeps a service's read models in step with its log, in the same transaction as the append."""

    def create_tables(self, connection: sa.Connection) -> None: ...

    async def apply(self, connection: AsyncConnection, events: Sequence[EventEnvelope]) -> None: ...

    async def reset(self, connection: AsyncConnection) -> None: ...


class NoProjections:
    """A projector for a service without read models."""

    def create_tables(self, connection: sa.Connection) -> None:
        """Does nothing."""

    async def apply(self, connection: AsyncConnection, events: Sequence[EventEnvelope]) -> None:
        """Does nothing."""

    async def reset(self, connection: AsyncConnection) -> None:
        """Does nothing."""


class UnitOfWork:
    """Reads and buffered appends within one open transaction; flush() writes them and the projections."""

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
        self._versions: dict[str, int] = {}
        self._loaded: dict[str, list[EventEnvelope]] = {}
        self._pending: list[PendingEvent] = []
        self.appended: list[EventEnvelope] = []

    async def stream_version(self, stream_id: str) -> int:
        """Returns the stream's version as this transaction sees it, buffered appends included."""
        if stream_id not in self._versions:
            if stream_id in self._loaded:
                self._versions[stream_id] = len(self._loaded[stream_id])
            else:
                self._versions[stream_id] = await self.store.stream_version(self.connection, stream_id)
        return self._versions[stream_id]

    async def prefetch(self, stream_ids: Iterable[str]) -> None:
        """Loads many streams in one query, so later stream_version() and load() calls need none."""
        wanted = {stream_id for stream_id in stream_ids if stream_id not in self._loaded}
        if not wanted:
            return
        for stream_id in wanted:
            self._loaded[stream_id] = []
        for event in await self.store.load_streams(self.connection, sorted(wanted)):
            self._loaded[event.stream_id].append(event)
        for stream_id in wanted:
            self._versions.setdefault(stream_id, len(self._loaded[stream_id]))

    async def load(self, stream_id: str) -> list[EventEnvelope]:
        """Returns the stream's events as this transaction sees them."""
        if any(item.stream_id == stream_id for item in self._pending):
            await self.flush()
        if stream_id in self._loaded:
            return list(self._loaded[stream_id])
        return await self.store.load_stream(self.connection, stream_id)

    async def append(self, stream_id: str, expected_version: int, events: Sequence[NewEvent]) -> None:
        """Buffers events after expected_version; raises ConcurrencyConflict if the stream moved.

        A version this transaction has seen is checked now; any other is checked when flush() writes,
        by the unique (stream, version) index, so an append needs no read of its own.
        """
        actual = self._versions.get(stream_id, expected_version)
        if actual != expected_version:
            raise ConcurrencyConflict(stream_id, expected_version, actual)
        for offset, event in enumerate(events, start=1):
            self._pending.append(PendingEvent(stream_id, expected_version + offset, event))
        self._versions[stream_id] = expected_version + len(events)

    def checkpoint(self) -> tuple[int, dict[str, int]]:
        """Returns a mark to roll buffered appends back to (for a message found to be poison)."""
        return len(self._pending), dict(self._versions)

    def roll_back_to(self, mark: tuple[int, dict[str, int]]) -> None:
        """Drops appends buffered since the mark (those already flushed stay: handlers check first)."""
        count, versions = mark
        del self._pending[count:]
        self._versions = versions

    async def flush(self) -> list[EventEnvelope]:
        """Writes the buffered events and their read-model changes; returns them as recorded."""
        pending, self._pending = self._pending, []
        recorded = await self.store.insert(self.connection, pending)
        for event in recorded:
            if event.stream_id in self._loaded:
                self._loaded[event.stream_id].append(event)
        if recorded:
            await self._projector.apply(self.connection, recorded)
            self.appended.extend(recorded)
            for event in recorded:
                metrics.EVENTS_APPENDED.labels(self.store.service, event.type).inc()
        return recorded
