"""The outbox relay: publishes committed events to the service's Kafka topic, in log order."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Awaitable, Sequence
from typing import Protocol

import sqlalchemy as sa
import structlog
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from acikkapi_shared.events.envelope import EventEnvelope
from acikkapi_shared.eventstore.durability import make_durable
from acikkapi_shared.eventstore.schema import relay_positions
from acikkapi_shared.eventstore.store import SqlAlchemyEventStore
from acikkapi_shared.faults import crash_point
from acikkapi_shared.observability import metrics

log = structlog.get_logger(__name__)


class RecordPublisher(Protocol):
    """Sends one record; the returned awaitable completes when the broker acknowledged it."""

    async def send(
        self, topic: str, key: bytes, value: bytes, headers: dict[str, str]
    ) -> Awaitable[object]: ...


def record_headers(event: EventEnvelope) -> dict[str, str]:
    """Returns the Kafka headers that describe an event without parsing its body."""
    return {
        "event_id": str(event.event_id),
        "event_type": event.type,
        "schema_version": str(event.schema_version),
        "position": str(event.position),
        "service": event.service,
        "correlation_id": event.correlation_id,
        "content-type": "application/json",
    }


class OutboxRelay:
    """Tails the event log from its last published position; a crash only causes a re-publish.

    With `publishes` given, only events of those types go to Kafka (the public ones); the position
    still moves past the others.

    The service's writers offer each commit's events (`offer`): those that directly follow what was
    published are published from memory, without reading them back from the log. Anything else (a
    gap: another writer's events, a commit offered out of order, a restart) is read from the log, as
    the relay always does on its poll. Only while the log stores payloads as they are decoded (no
    encrypting codec) is the offered form the stored form that leaves the service.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        store: SqlAlchemyEventStore,
        publisher: RecordPublisher,
        topic: str,
        *,
        batch_size: int = 500,
        poll_interval: float = 1.0,
        publishes: frozenset[str] | None = None,
        save_interval: float = 0.5,
        read_engine: AsyncEngine | None = None,
        offer_limit: int = 10_000,
    ) -> None:
        self._engine = engine  # stores the position
        self._reader = read_engine or engine  # reads the log: never queues behind a writer on SQLite
        self._store = store
        self._publisher = publisher
        self._topic = topic
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._wakeup = asyncio.Event()
        self._publishes = publishes
        self._position: int | None = None  # last published, kept in memory
        self._saved_position: int | None = None
        self._saved_at: float | None = None
        self._save_interval = save_interval
        self.published_position = 0
        self._caught_up = False  # the last read reached the log's head
        self._offered: deque[EventEnvelope] = deque()
        self._offers_taken = store.stores_payloads_as_decoded
        self._offer_limit = offer_limit

    def notify(self) -> None:
        """Tells the relay that new events were committed (it also polls, so this is only a hint)."""
        self._wakeup.set()

    def offer(self, events: Sequence[EventEnvelope]) -> None:
        """Hands over a commit's events, in log order, and wakes the relay (call it after the commit).

        Kept only up to offer_limit events (Kafka down for long): beyond, the log is read instead.
        """
        if self._offers_taken and events:
            if len(self._offered) + len(events) > self._offer_limit:
                self._offered.clear()
            else:
                self._offered.extend(events)
        self._wakeup.set()

    async def run(self) -> None:
        """Publishes forever; errors are logged and retried with backoff."""
        backoff = 0.1
        while True:
            # Cleared before reading, so a notify() during the read is never lost.
            self._wakeup.clear()
            try:
                await self.publish_pending()
                backoff = 0.1
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("relay_publish_failed", topic=self._topic, retry_in=backoff)
                await self._measure_lag_while_failing()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)
                continue
            if self._caught_up:
                await self._wait_for_more()

    async def publish_pending(self) -> int:
        """Publishes one batch of unpublished events and returns how many went to Kafka."""
        if self._position is None:
            async with self._reader.connect() as connection:
                self._position = await self._load_position(connection)
                await connection.rollback()
        offered = self._take_offered(self._position)
        if offered is not None:
            public, reached, more = offered
        else:
            async with self._reader.connect() as connection:
                # The stored form leaves the service: personal fields stay as the codec stored them.
                public, reached, more = await self._read(connection, self._position)
                await connection.rollback()
        if reached == self._position:
            metrics.RELAY_OLDEST_AGE.labels(self._store.service).set(0)
            await self._save_position_if_due(force=True)
            self._caught_up = True
            return 0
        # The age of the oldest event still to publish (the private ones never wait for the relay).
        if public:
            self._measure_age(public[0])
        else:
            metrics.RELAY_OLDEST_AGE.labels(self._store.service).set(0)
        if public:
            # Read committed, but maybe not yet on disk (its committer's fsync may still be running):
            # never published before it is, so a power loss cannot leave Kafka ahead of the log.
            await make_durable(self._engine)
        sends = [
            await self._publisher.send(
                self._topic,
                event.correlation_id.encode("utf-8"),
                event.to_json_bytes(),
                record_headers(event),
            )
            for event in public
        ]
        await asyncio.gather(*sends)
        crash_point("relay.after_publish_before_position")
        self._position = self.published_position = reached
        await self._save_position_if_due(force=False)
        await self._measure_lag(full_batch=more)
        metrics.EVENTS_PUBLISHED.labels(self._store.service).inc(len(public))
        self._caught_up = not more
        return len(public)

    def _take_offered(self, position: int) -> tuple[list[EventEnvelope], int, bool] | None:
        """Returns the offered events that directly follow position (up to a batch) like _read does,
        or None when none do: then the log is read."""
        offered = self._offered
        while offered and offered[0].position <= position:
            offered.popleft()  # published already, read from the log
        if not offered or offered[0].position != position + 1:
            return None
        run: list[EventEnvelope] = []
        while offered and len(run) < self._batch_size and offered[0].position == position + len(run) + 1:
            run.append(offered.popleft())
        public = [event for event in run if self._publishes is None or event.type in self._publishes]
        return public, run[-1].position, bool(offered)

    async def _read(
        self, connection: AsyncConnection, position: int
    ) -> tuple[list[EventEnvelope], int, bool]:
        """Returns the next events to publish after position, the position the read reached and
        whether more may follow.

        With `publishes`, only those types are read (the private ones are passed over in SQL, never
        decoded): most of a service's log is private.
        """
        if self._publishes is None:
            batch = await self._store.read_after(connection, position, self._batch_size, stored=True)
            return batch, batch[-1].position if batch else position, len(batch) == self._batch_size
        return await self._store.read_types_after(connection, position, self._batch_size, self._publishes)

    async def _measure_lag(self, *, full_batch: bool) -> None:
        lag = 0
        if full_batch:  # only then can more be waiting; a short batch means the relay caught up
            async with self._reader.connect() as connection:
                lag = await self._store.head_position(connection) - (self._position or 0)
                await connection.rollback()
        metrics.RELAY_LAG.labels(self._store.service).set(lag)

    def _measure_age(self, oldest: EventEnvelope) -> None:
        age = (self._store.now() - oldest.recorded_at).total_seconds()
        metrics.RELAY_OLDEST_AGE.labels(self._store.service).set(max(0.0, age))

    async def _measure_lag_while_failing(self) -> None:
        # While Kafka is unreachable the gauges must grow with the log, not freeze at their last values.
        try:
            async with self._reader.connect() as connection:
                lag = await self._store.head_position(connection) - (self._position or 0)
                oldest = await self._store.read_after(connection, self._position or 0, 1, stored=True)
                await connection.rollback()
        except Exception:
            return
        metrics.RELAY_LAG.labels(self._store.service).set(lag)
        if oldest:
            self._measure_age(oldest[0])

    async def _save_position_if_due(self, *, force: bool) -> None:
        # The stored position only bounds what a restart re-publishes (harmlessly), so it is written at
        # most twice a second under load instead of once per batch.
        if self._position is None or self._position == self._saved_position:
            return
        recently = self._saved_at is not None and time.monotonic() - self._saved_at < self._save_interval
        if not force and recently:
            return
        async with self._engine.begin() as connection:
            await self._save_position(connection, self._position)
        self._saved_position, self._saved_at = self._position, time.monotonic()

    async def _wait_for_more(self) -> None:
        # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancellation that comes
        # as the event is set (a commit's notify during stop), and the relay would never stop.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self._poll_interval):
                await self._wakeup.wait()

    async def _load_position(self, connection: AsyncConnection) -> int:
        query = sa.select(relay_positions.c.position).where(relay_positions.c.relay == self._topic)
        return int((await connection.execute(query)).scalar() or 0)

    async def _save_position(self, connection: AsyncConnection, position: int) -> None:
        updated = await connection.execute(
            sa.update(relay_positions).where(relay_positions.c.relay == self._topic).values(position=position)
        )
        if updated.rowcount == 0:
            await connection.execute(sa.insert(relay_positions).values(relay=self._topic, position=position))
