"""The running parts of a service around its domain: database, log relay, Kafka consumer, HTTP."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
import structlog
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from acikkapi_shared.clock import Clock
from acikkapi_shared.events import public_event_types
from acikkapi_shared.events.envelope import EventEnvelope
from acikkapi_shared.eventstore.codec import PayloadCodec
from acikkapi_shared.eventstore.database import create_engine, is_sqlite, migrate, reader_for
from acikkapi_shared.eventstore.relay import OutboxRelay, RecordPublisher
from acikkapi_shared.eventstore.replay import VersionedProjector, ensure_read_models
from acikkapi_shared.eventstore.state_cache import StateCache
from acikkapi_shared.eventstore.store import SqlAlchemyEventStore
from acikkapi_shared.gateway import CommandGateway
from acikkapi_shared.messaging.consumer import KafkaBatchConsumer
from acikkapi_shared.messaging.inbound import MessageTranslator
from acikkapi_shared.messaging.kafka import DeadLetterPublisher, ensure_topics
from acikkapi_shared.messaging.processor import BatchProcessor
from acikkapi_shared.messaging.producer import KafkaRecordPublisher
from acikkapi_shared.observability import metrics
from acikkapi_shared.observability.scrape import ScrapeRefreshers
from acikkapi_shared.settings import ServiceSettings

log = structlog.get_logger(__name__)

BackgroundTask = Callable[[], Coroutine[Any, Any, None]]
CommitListener = Callable[[Sequence[EventEnvelope]], None]


@dataclass
class ServiceParts:
    """What a service brings: its name, its log, its read models and its message translators."""

    name: str
    settings: ServiceSettings
    clock: Clock
    engine: AsyncEngine
    projector: VersionedProjector
    translators: dict[str, MessageTranslator] = field(default_factory=dict)
    background: list[BackgroundTask] = field(default_factory=list)
    codec: PayloadCodec | None = None
    read_engine: AsyncEngine | None = None  # reads of committed data only; default: engine


def service_parts(
    name: str,
    settings: ServiceSettings,
    *,
    clock: Clock | None,
    projector: VersionedProjector,
    translators: dict[str, MessageTranslator],
    engine: AsyncEngine | None = None,
) -> ServiceParts:
    """Returns a service's parts on its configured database (SQLite file by default) and its clock: the
    one given, else the configured one (the wall clock unless ACIKKAPI_CLOCK_* shift it)."""
    url = settings.resolved_database_url()
    writer = engine or create_engine(url)
    return ServiceParts(
        name=name,
        settings=settings,
        clock=clock or settings.clock(),
        engine=writer,
        projector=projector,
        translators=translators,
        read_engine=writer if engine is not None else reader_for(url, writer),
    )


class ServiceRuntime:
    """Starts and stops a service's parts in order, and tells whether it is ready.

    record_publisher replaces the relay's Kafka producer and consume=False leaves Kafka out, so a
    whole service can run in process in a test, fed through `processor` and `gateway`.
    """

    def __init__(
        self, parts: ServiceParts, *, record_publisher: RecordPublisher | None = None, consume: bool = True
    ) -> None:
        self.parts = parts
        self.name = parts.name
        self.settings = parts.settings
        self.clock = parts.clock
        self.engine = parts.engine
        self.read_engine = parts.read_engine or parts.engine
        self.store = SqlAlchemyEventStore(parts.name, parts.clock, parts.codec)
        # One cache of folded states for every write path of the service (Kafka, HTTP, timers).
        self.states = StateCache()
        self._uses_kafka = record_publisher is None
        self._consume = consume and self._uses_kafka
        topics = parts.settings.topics
        self._kafka_publisher = KafkaRecordPublisher(
            parts.settings.kafka_bootstrap_servers, client_id=f"acikkapi-{parts.name}-relay"
        )
        self.record_publisher: RecordPublisher = record_publisher or self._kafka_publisher
        self.relay = OutboxRelay(
            self.engine,
            self.store,
            self.record_publisher,
            topics.events_of(parts.name),
            publishes=public_event_types(),
            read_engine=self.read_engine,
        )
        self.processor = BatchProcessor(
            consumer=parts.name,
            engine=self.engine,
            store=self.store,
            projector=parts.projector,
            clock=parts.clock,
            translators=parts.translators,
            # Dead letters go through the relay's producer (idempotent, acks=all): one producer per service.
            dead_letter_sink=DeadLetterPublisher(
                self._kafka_publisher, topics.dead_letters_of(parts.name), parts.name
            )
            if self._uses_kafka
            else None,
            after_commit=self._committed,
            cache=self.states,
            # SQLite has one writer connection per process: a batch hands it over to waiting HTTP requests.
            yield_to=self._gateway_waiting if is_sqlite(self.engine) else None,
        )
        self.gateway = CommandGateway(
            engine=self.engine,
            store=self.store,
            projector=parts.projector,
            clock=parts.clock,
            after_commit=self._committed,
            cache=self.states,
        )
        self._commit_listeners: list[CommitListener] = [self.relay.offer]
        self.consumer: KafkaBatchConsumer | None = None
        if parts.translators and self._consume:
            self.consumer = KafkaBatchConsumer(
                bootstrap_servers=parts.settings.kafka_bootstrap_servers,
                topics=list(parts.translators),
                group_id=f"{parts.settings.topic_prefix}-{parts.name}",
                service=parts.name,
                handle=self.processor.process,
                group_instance_id=parts.settings.instance_id,
                max_records=parts.settings.consumer_max_records,
                fetch_min_bytes=parts.settings.consumer_fetch_min_bytes,
                fetch_max_wait_ms=parts.settings.consumer_fetch_max_wait_ms,
            )
        # At 0 from the start, so that the first dead letter or failure shows as an increase.
        for topic in parts.translators:
            metrics.MESSAGES_CONSUMED.labels(parts.name, topic, "dead_lettered")
        if parts.translators:
            for counter in (
                metrics.CONSUMER_RETRIES,
                metrics.CONSUMER_HANDLER_FAILURES,
                metrics.CONSUMER_COMMIT_FAILURES,
            ):
                counter.labels(parts.name)
        self._tasks: list[asyncio.Task[None]] = []
        # Gauges read from the read models when /metrics is scraped (observability/scrape.py).
        self.scrape_refreshers = ScrapeRefreshers(parts.name)

    def _gateway_waiting(self) -> bool:
        return self.gateway.requests_writing > 0

    def add_commit_listener(self, listener: CommitListener) -> None:
        """Calls listener with the events of every commit, after it (metrics, wake-ups; never undo)."""
        self._commit_listeners.append(listener)

    def _committed(self, events: Sequence[EventEnvelope]) -> None:
        for listener in self._commit_listeners:
            try:
                listener(events)
            except Exception:  # a metric or a wake-up must never fail the write that committed
                log.exception("commit_listener_failed", service=self.name)

    async def start(self) -> None:
        """Migrates the log, builds read models, starts the relay, the consumer and background work."""
        await migrate(self.engine)
        await ensure_read_models(self.engine, self.store, self.parts.projector, self.clock)
        if self.settings.create_topics and self._uses_kafka:
            topics = self.settings.topics
            await ensure_topics(
                self.settings.kafka_bootstrap_servers,
                topics.all_event_topics(),
                topics.all_dead_letter_topics(),
                partitions=self.settings.topic_partitions,
                replication_factor=self.settings.topic_replication_factor,
            )
        if self._uses_kafka:
            await self._kafka_publisher.start()
        if self.consumer is not None:
            await self.consumer.start()
            self._tasks.append(asyncio.create_task(self.consumer.run(), name=f"{self.name}-consumer"))
        self._tasks.append(asyncio.create_task(self.relay.run(), name=f"{self.name}-relay"))
        for task in self.parts.background:
            self._tasks.append(asyncio.create_task(task(), name=f"{self.name}-background"))
        log.info("service_started", service=self.name)

    async def stop(self) -> None:
        """Stops consuming first, then background work, then closes the database."""
        if self.consumer is not None:
            with contextlib.suppress(Exception):
                await self.consumer.stop()  # cancels its loop: a batch in progress commits nothing
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        if self._uses_kafka:
            with contextlib.suppress(Exception):
                await self._kafka_publisher.stop()
        await self.engine.dispose()
        if self.read_engine is not self.engine:
            await self.read_engine.dispose()
        log.info("service_stopped", service=self.name)

    async def readiness(self) -> dict[str, bool]:
        """Returns each readiness check: database reachable, Kafka reachable, partitions assigned."""
        checks: dict[str, bool] = {}
        try:
            async with self.engine.connect() as connection:
                await connection.execute(sa.text("SELECT 1"))
            checks["database"] = True
        except Exception:
            checks["database"] = False
        if self._uses_kafka:
            try:
                checks["kafka"] = await self._kafka_publisher.ping(timeout_s=2.0)
            except Exception:
                checks["kafka"] = False
        if self.consumer is not None:
            checks.update(self.consumer.readiness())
        checks["background_running"] = all(not task.done() for task in self._tasks)
        return checks

    def lifespan(self) -> Callable[[FastAPI], contextlib.AbstractAsyncContextManager[None]]:
        """Returns a FastAPI lifespan that starts and stops this runtime."""

        @contextlib.asynccontextmanager
        async def run(_app: FastAPI) -> AsyncIterator[None]:
            await self.start()
            try:
                yield
            finally:
                await self.stop()

        return run
