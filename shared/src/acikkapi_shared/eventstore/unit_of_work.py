"""One database transaction in which a service folds streams, appends events and updates projections.

Appends are buffered and written together by flush(): one INSERT for all the batch's events and one
statement per kind of read-model write, instead of several per message. Each stream's folded state is
kept and evolved with the buffered appends, so a batch never re-reads what it wrote and a message
found to be poison can be rolled back exactly. Versions are checked in memory against what this
transaction read, and by the unique (stream, version) index when written.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from acikkapi_shared.clock import Clock
from acikkapi_shared.decider import Decider, fold
from acikkapi_shared.events.envelope import EventEnvelope, NewEvent
from acikkapi_shared.eventstore.errors import ConcurrencyConflict
from acikkapi_shared.eventstore.state_cache import StateCache
from acikkapi_shared.eventstore.store import PendingEvent, SqlAlchemyEventStore


class Projector(Protocol):
    """Keeps a service's read models in step with its log, in the same transaction as the append."""

    def create_tables(self, connection: sa.Connection) -> None: ...

    async def apply(self, connection: AsyncConnection, events: Sequence[EventEnvelope]) -> None: ...

    async def reset(self, connection: AsyncConnection) -> None: ...


class NoProjections:
    """A projector for a service without read models: every method is a no-op."""

    name = "none"
    version = "none"

    def drop_tables(self, connection: sa.Connection) -> None:
        """Drops nothing."""

    def create_tables(self, connection: sa.Connection) -> None:
        """Creates nothing."""

    async def apply(self, connection: AsyncConnection, events: Sequence[EventEnvelope]) -> None:
        """Writes nothing."""

    async def reset(self, connection: AsyncConnection) -> None:
        """Deletes nothing."""


class StreamOfAnotherKind(Exception):
    """A stream was folded with a decider other than the one that owns it (a programming error)."""


class StateNotKept(Exception):
    """A stream was folded after a decision that did not keep its state was appended to it in the
    same unit of work (a programming error)."""


@dataclass(frozen=True, slots=True)
class Folded:
    """A stream's state as this transaction sees it, and the version that state is at."""

    decider: str
    state: Any
    version: int


Checkpoint = tuple[int, int]  # buffered appends, journalled changes
_ABSENT: Any = object()  # a journalled key that had no value before
_NOT_KEPT: Any = object()  # the state after a decision that did not keep it (record_at)


class UnitOfWork:
    """Folds, buffered appends and read-model writes within one open transaction."""

    def __init__(
        self,
        connection: AsyncConnection,
        store: SqlAlchemyEventStore,
        projector: Projector,
        clock: Clock,
        cache: StateCache | None = None,
    ) -> None:
        self.connection = connection
        self.store = store
        self.clock = clock
        self._projector = projector
        self._cache = cache
        self._versions: dict[str, int] = {}
        self._loaded: dict[str, list[EventEnvelope]] = {}
        self._folded: dict[str, Folded] = {}
        self._pending: list[PendingEvent] = []
        self._journal: list[tuple[dict[str, Any], str, Any]] = []  # (map, key, value before)
        self._raw_streams: set[str] = set()  # appended to without a decider
        self._locked = False
        self.appended: list[EventEnvelope] = []

    async def prefetch(self, stream_ids: Iterable[str]) -> None:
        """Loads many streams in one query, so later folds and version checks need none.

        With a state cache, only the versions are read first, and only streams whose cached state is
        out of date (or missing) are loaded.
        """
        wanted = {s for s in stream_ids if s not in self._loaded and s not in self._folded}
        if not wanted:
            return
        if self._cache is not None:
            versions = await self.store.stream_versions(self.connection, sorted(wanted))
            for stream_id in wanted:
                if stream_id not in self._versions:
                    self._set_version(stream_id, versions.get(stream_id, 0))
            wanted = {
                s
                for s in wanted
                if self._versions[s] > 0 and not self._cache.has_version(s, self._versions[s])
            }
        for stream_id in wanted:
            self._loaded[stream_id] = []
        if wanted:
            for event in await self.store.load_streams(self.connection, sorted(wanted)):
                self._loaded[event.stream_id].append(event)
        for stream_id in wanted:
            if stream_id not in self._versions:
                self._set_version(stream_id, len(self._loaded[stream_id]))

    async def prefetch_versions(self, stream_ids: Iterable[str]) -> None:
        """Reads many streams' versions in one query, and nothing else (for decisions made ahead,
        which need only to know that their stream has not moved)."""
        wanted = sorted({s for s in stream_ids if s not in self._versions})
        if wanted:
            versions = await self.store.stream_versions(self.connection, wanted)
            for stream_id in wanted:
                self._set_version(stream_id, versions.get(stream_id, 0))

    async def lock_appends(self) -> None:
        """Takes the log's append lock now rather than at flush (for streams every writer appends to)."""
        if not self._locked:
            await self.store.lock_appends(self.connection)
            self._locked = True

    async def folded(self, decider: Decider[Any, Any], stream_id: str, *, new: bool = False) -> Folded:
        """Returns the stream's state and version, folded once per transaction and kept current;
        new: the caller knows the stream has no events yet (no read is made)."""
        known = self._folded.get(stream_id)
        if known is not None:
            if known.decider != decider.name:
                raise StreamOfAnotherKind(f"{stream_id} is a {known.decider} stream, not {decider.name}")
            if known.state is _NOT_KEPT:
                raise StateNotKept(f"{stream_id} was appended to without its state in this transaction")
            return known
        if stream_id in self._raw_streams:
            raise StreamOfAnotherKind(f"{stream_id} has appends made without its decider")
        if new:
            folded = Folded(decider.name, decider.initial(stream_id), 0)
            self._set_folded(stream_id, folded)
            return folded
        if decider.exclusive:
            # Read only under the lock, so the version cannot move before this transaction commits.
            await self.lock_appends()
        elif self._cache is not None and stream_id in self._versions:
            version = self._versions[stream_id]
            if version == 0 and stream_id not in self._loaded:
                hit, state = True, decider.initial(stream_id)
            else:
                hit, state = self._cache.get(decider.name, stream_id, version)
            if hit:
                folded = Folded(decider.name, state, version)
                self._set_folded(stream_id, folded)
                return folded
        if stream_id in self._loaded and not decider.exclusive:
            recorded = self._loaded[stream_id]
        elif decider.state_in_last_event:
            recorded = await self.store.load_last(self.connection, stream_id)
        else:
            recorded = await self.store.load_stream(self.connection, stream_id)
        if decider.state_in_last_event:
            recorded = recorded[-1:]
        events = [decider.events.decode(e.type, e.schema_version, e.payload) for e in recorded]
        version = recorded[-1].stream_version if recorded else 0
        folded = Folded(decider.name, fold(decider, stream_id, events), version)
        self._set_folded(stream_id, folded)
        self._set_version(stream_id, folded.version)
        return folded

    def record(
        self,
        decider: Decider[Any, Any],
        stream_id: str,
        after: Folded,
        state: Any,
        events: Sequence[NewEvent],
    ) -> None:
        """Buffers a decision's events after the state they were decided on, and keeps the new state."""
        self._append(stream_id, after.version, events)
        self._set_folded(stream_id, Folded(decider.name, state, after.version + len(events)))

    def record_at(
        self, decider: Decider[Any, Any], stream_id: str, version: int, state: Any, events: Sequence[NewEvent]
    ) -> None:
        """Buffers events decided on the stream's state at version (made ahead, not folded here), and
        keeps the state after them; raises ConcurrencyConflict if the stream is no longer there.

        state None: the decision did not keep it (to spare memory); the stream cannot be folded again
        in this unit of work (StateNotKept), and no state of it is put into the cache."""
        known = self._folded.get(stream_id)
        if known is not None and known.decider != decider.name:
            raise StreamOfAnotherKind(f"{stream_id} is a {known.decider} stream, not {decider.name}")
        if stream_id in self._raw_streams:
            raise StreamOfAnotherKind(f"{stream_id} has appends made without its decider")
        self._append(stream_id, version, events)
        kept = _NOT_KEPT if state is None else state
        self._set_folded(stream_id, Folded(decider.name, kept, version + len(events)))

    def remember_folds(self) -> None:
        """Puts the transaction's folded states into the cache: call it only after the commit."""
        if self._cache is None:
            return
        for stream_id, folded in self._folded.items():
            if folded.state is not _NOT_KEPT:
                self._cache.put(folded.decider, stream_id, folded.version, folded.state)

    async def stream_version(self, stream_id: str) -> int:
        """Returns the stream's version as this transaction sees it, buffered appends included."""
        if stream_id not in self._versions:
            self._set_version(stream_id, await self.store.stream_version(self.connection, stream_id))
        return self._versions[stream_id]

    def append(self, stream_id: str, expected_version: int, events: Sequence[NewEvent]) -> None:
        """Buffers events after expected_version without a decider; raises ConcurrencyConflict if the
        stream moved.

        A version this transaction has seen is checked now; any other is checked when flush() writes,
        by the unique (stream, version) index, so an append needs no read of its own.
        """
        self._raw_streams.add(stream_id)
        self._append(stream_id, expected_version, events)

    def _append(self, stream_id: str, expected_version: int, events: Sequence[NewEvent]) -> None:
        actual = self._versions.get(stream_id, expected_version)
        if actual != expected_version:
            raise ConcurrencyConflict(stream_id, expected_version, actual)
        for offset, event in enumerate(events, start=1):
            self._pending.append(PendingEvent(stream_id, expected_version + offset, event))
        self._set_version(stream_id, expected_version + len(events))

    def pending_count(self) -> int:
        """Returns how many events are buffered so far."""
        return len(self._pending)

    def pending_event_ids(self, start: int = 0) -> list[str]:
        """Returns the ids of the events buffered from position start on, in order."""
        return [str(item.event.event_id) for item in self._pending[start:]]

    def checkpoint(self) -> Checkpoint:
        """Returns a mark to roll buffered appends back to (for a message found to be poison)."""
        return len(self._pending), len(self._journal)

    def roll_back_to(self, mark: Checkpoint) -> None:
        """Drops appends and folds buffered since the mark; nothing is flushed before flush()."""
        count, changes = mark
        del self._pending[count:]
        while len(self._journal) > changes:
            mapping, stream_id, previous = self._journal.pop()
            if previous is _ABSENT:
                del mapping[stream_id]
            else:
                mapping[stream_id] = previous

    # Every change of a version or a fold is journalled, so that a mark is two lengths and a roll
    # back undoes only what changed since: copying both maps at each mark made a transaction of n
    # commands cost n² (a timer burst's thousands in one transaction).
    def _set_version(self, stream_id: str, version: int) -> None:
        self._journal.append((self._versions, stream_id, self._versions.get(stream_id, _ABSENT)))
        self._versions[stream_id] = version

    def _set_folded(self, stream_id: str, folded: Folded) -> None:
        self._journal.append((self._folded, stream_id, self._folded.get(stream_id, _ABSENT)))
        self._folded[stream_id] = folded

    async def flush(self, *, not_before: datetime | None = None) -> list[EventEnvelope]:
        """Writes the buffered events and their read-model changes; returns them as recorded (at
        not_before if that is later: the transaction is to commit no earlier)."""
        pending, self._pending = self._pending, []
        if not_before is None:  # the store's plain call, as every writer but a held burst makes it
            recorded = await self.store.insert(self.connection, pending)
        else:
            recorded = await self.store.insert(self.connection, pending, not_before=not_before)
        if recorded:
            await self._projector.apply(self.connection, recorded)
            self.appended.extend(recorded)
        return recorded
