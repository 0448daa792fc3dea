"""The running parts of a service around its domain: database, log relay, Kafka consumer, HTTP."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
import structlog
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from acikkapi_shared.clock import Clock, SystemClock
from acikkapi_shared.events import public_event_types
from acikkapi_shared.eventstore.database import create_engine, migrate
from acikkapi_shared.eventstore.relay import OutboxRelay
from acikkapi_shared.eventstore.store import SqlAlchemyEventStore
from acikkapi_shared.eventstore.unit_of_work import Projector, UnitOfWork
from acikkapi_shared.messaging.consumer import KafkaBatchConsumer
from acikkapi_shared.messaging.kafka import DeadLetterPublisher, ensure_topics
from acikkapi_shared.messaging.processor import BatchProcessor, MessageHandler
from acikkapi_shared.messaging.producer import KafkaRecordPublisher
from acikkapi_shared.settings import ServiceSettings

log = structlog.get_logger(__name__)

BackgroundTask = Callable[[], Coroutine[Any, Any, None]]


@dataclass
class ServiceParts:
    """What a service brings: its name, its log, its read models and its message handlers."""

    name: str
    settings: ServiceSettings
    clock: Clock
    engine: AsyncEngine
    projector: Projector
    handlers: dict[str, MessageHandler] = field(default_factory=dict)
    background: list[BackgroundTask] = field(default_factory=list)


def service_parts(
    name: str,
    settings: ServiceSettings,
    *,
    clock: Clock | None,
    projector: Projector,
    handlers: dict[str, MessageHandler],
) -> ServiceParts:
    """Returns a service's parts on its configured database (SQLite file by default) and the wall clock."""
    return ServiceParts(
        name=name,
        settings=settings,
        clock=clock or SystemClock(),
        engine=create_engine(settings.resolved_database_url()),
        projector=projector,
        handlers=handlers,
    )


class ServiceRuntime:
    """Starts and stops a service's parts in order, and tells whether it is ready."""

    def __init__(self, parts: ServiceParts) -> None:
        self.parts = parts
        self.name = parts.name
        self.settings = parts.settings
        self.clock = parts.clock
        self.engine = parts.engine
        self.store = SqlAlchemyEventStore(parts.name, parts.clock)
        topics = parts.settings.topics
        self.record_publisher = KafkaRecordPublisher(
            parts.settings.kafka_bootstrap_servers, client_id=f"acikkapi-{parts.name}-relay"
        )
        self.relay = OutboxRelay(
            self.engine,
            self.store,
            self.record_publisher,
            topics.events_of(parts.name),
            publishes=public_event_types(),
        )
        self.processor = BatchProcessor(
            consumer=parts.name,
            engine=self.engine,
            store=self.store,
            projector=parts.projector,
            clock=parts.clock,
            handlers=parts.handlers,
            # Dead letters go through the relay's producer (idempotent, acks=all): one producer per service.
            dead_letter_sink=DeadLetterPublisher(
                self.record_publisher, topics.dead_letters_of(parts.name), parts.name
            ),
            after_commit=self._committed,
        )
        self._commit_listeners: list[Callable[[], None]] = [self.relay.notify]
        self.consumer: KafkaBatchConsumer | None = None
        if parts.handlers:
            self.consumer = KafkaBatchConsumer(
                bootstrap_servers=parts.settings.kafka_bootstrap_servers,
                topics=list(parts.handlers),
                group_id=f"{parts.settings.topic_prefix}-{parts.name}",
                service=parts.name,
                handle=self.processor.process,
                group_instance_id=parts.settings.instance_id,
                max_records=parts.settings.consumer_max_records,
            )
        self._tasks: list[asyncio.Task[None]] = []

    def add_commit_listener(self, listener: Callable[[], None]) -> None:
        """Calls listener after every commit of new events (a wake-up hint, not a guarantee)."""
        self._commit_listeners.append(listener)

    def _committed(self) -> None:
        for listener in self._commit_listeners:
            listener()

    @contextlib.asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[UnitOfWork]:
        """Opens a transaction for a command that does not come from Kafka (an HTTP request)."""
        async with self.engine.begin() as connection:
            work = UnitOfWork(connection, self.store, self.parts.projector, self.clock)
            yield work
            await work.flush()
        self._committed()

    async def start(self) -> None:
        """Migrates the log, creates read models, starts the relay, the consumer and background work."""
        await migrate(self.engine)
        async with self.engine.begin() as connection:
            await connection.run_sync(self.parts.projector.create_tables)
        if self.settings.create_topics:
            topics = self.settings.topics
            await ensure_topics(
                self.settings.kafka_bootstrap_servers,
                topics.all_event_topics(),
                topics.all_dead_letter_topics(),
                partitions=self.settings.topic_partitions,
                replication_factor=self.settings.topic_replication_factor,
            )
        await self.record_publisher.start()
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
        with contextlib.suppress(Exception):
            await self.record_publisher.stop()
        await self.engine.dispose()
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
        try:
            checks["kafka"] = await self.record_publisher.ping(timeout_s=2.0)
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
