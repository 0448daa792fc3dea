"""Applies consumed batches with exactly-once effect: tracking rows commit with the effects."""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

import sqlalchemy.exc as sa_exc
import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from acikkapi_shared.clock import Clock
from acikkapi_shared.events.envelope import NewEvent
from acikkapi_shared.eventstore.errors import ConcurrencyConflict
from acikkapi_shared.eventstore.store import SqlAlchemyEventStore
from acikkapi_shared.eventstore.tracking import already_processed, record_processed
from acikkapi_shared.eventstore.unit_of_work import Projector, UnitOfWork
from acikkapi_shared.messaging.inbound import InboundMessage, PoisonMessage
from acikkapi_shared.observability import metrics

log = structlog.get_logger(__name__)

# Failures that say nothing about the message: retry the same batch until they pass.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.DisconnectionError,
    ConcurrencyConflict,
    ConnectionError,
    TimeoutError,
)
DEAD_LETTER_EVENT = "MessageDeadLettered"
MAX_CONFLICT_RETRIES = 8


class MessageHandler(Protocol):
    """What a service does with one consumed message, inside the batch's transaction.

    A handler raises PoisonMessage before it appends anything; it may declare `event_types`, the
    event types it acts on, so other events on its topic are skipped without touching the database.
    """

    def message_key(self, message: InboundMessage) -> str:
        """Returns the key that identifies the message's effect (an event id, a submission id)."""
        ...

    async def __call__(self, work: UnitOfWork, message: InboundMessage) -> None: ...


DeadLetterSink = Callable[[InboundMessage, str], Awaitable[None]]


class BatchProcessor:
    """Applies a batch in one transaction, skipping what tracking says is done; never stops on poison."""

    def __init__(
        self,
        *,
        consumer: str,
        engine: AsyncEngine,
        store: SqlAlchemyEventStore,
        projector: Projector,
        clock: Clock,
        handlers: dict[str, MessageHandler],
        dead_letter_sink: DeadLetterSink | None = None,
        after_commit: Callable[[], None] | None = None,
        failures_before_dead_letter: int = 3,
        retry_delays: tuple[float, float] = (0.05, 5.0),
    ) -> None:
        self.consumer = consumer
        self._engine = engine
        self._store = store
        self._projector = projector
        self._clock = clock
        self._handlers = handlers
        self._dead_letter_sink = dead_letter_sink
        self._after_commit = after_commit or (lambda: None)
        self._failures_before_dead_letter = failures_before_dead_letter
        self._first_delay, self._max_delay = retry_delays

    async def process(self, messages: Sequence[InboundMessage]) -> None:
        """Applies the messages; returns only once their effects are committed (or dead-lettered)."""
        if not messages:
            return
        started = time.perf_counter()
        try:
            await self._with_transient_retry(lambda: self._apply(messages))
        except asyncio.CancelledError:
            raise
        except Exception:
            # A message broke the batch: apply one at a time so only the culprit is set aside.
            log.warning("batch_failed_splitting", consumer=self.consumer, size=len(messages), exc_info=True)
            for message in messages:
                await self._apply_alone(message)
        metrics.BATCH_SECONDS.labels(self._store.service).observe(time.perf_counter() - started)

    async def _apply_alone(self, message: InboundMessage) -> None:
        failures = 0
        while True:
            try:
                await self._with_transient_retry(lambda: self._apply([message]))
                return
            except asyncio.CancelledError:
                raise
            except Exception as error:
                failures += 1
                if failures >= self._failures_before_dead_letter:
                    reason = f"handler failed: {error!r}"
                    await self._with_transient_retry(functools.partial(self._dead_letter, message, reason))
                    return

    async def _with_transient_retry(self, attempt: Callable[[], Awaitable[None]]) -> None:
        delay = self._first_delay
        conflicts = 0
        while True:
            try:
                await attempt()
                return
            except ConcurrencyConflict as conflict:
                # Another writer won: worth retrying, but not forever, or a handler bug that always
                # appends at a taken version would stall the consumer instead of being set aside.
                conflicts += 1
                if conflicts > MAX_CONFLICT_RETRIES:
                    raise RuntimeError(
                        f"conflict persisted over {conflicts} attempts: {conflict}"
                    ) from conflict
                metrics.CONSUMER_RETRIES.labels(self._store.service).inc()
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._max_delay)
            except TRANSIENT_ERRORS:
                metrics.CONSUMER_RETRIES.labels(self._store.service).inc()
                log.warning("batch_transient_failure", consumer=self.consumer, retry_in=delay, exc_info=True)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._max_delay)

    async def _apply(self, messages: Sequence[InboundMessage]) -> None:
        relevant = [message for message in messages if self._wanted(message)]
        if not relevant:
            return
        poisoned: list[tuple[InboundMessage, str]] = []
        async with self._engine.begin() as connection:
            work = UnitOfWork(connection, self._store, self._projector, self._clock)
            keys = [self._key(message) for message in relevant]
            done = await already_processed(connection, self.consumer, keys)
            processed: list[tuple[str, str]] = []
            await self._prefetch(work, [m for m, k in zip(relevant, keys, strict=True) if k not in done])
            for message, key in zip(relevant, keys, strict=True):
                if key in done:
                    metrics.MESSAGES_CONSUMED.labels(self._store.service, message.topic, "duplicate").inc()
                    continue
                done.add(key)
                outcome = await self._handle(work, message, poisoned)
                processed.append((key, message.source))
                metrics.MESSAGES_CONSUMED.labels(self._store.service, message.topic, outcome).inc()
            await work.flush()
            await record_processed(connection, self.consumer, processed, self._clock.now())
        self._after_commit()
        for message, reason in poisoned:
            await self._send_dead_letter(message, reason)

    async def _handle(
        self, work: UnitOfWork, message: InboundMessage, poisoned: list[tuple[InboundMessage, str]]
    ) -> str:
        handler = self._handlers.get(message.topic)
        structlog.contextvars.bind_contextvars(
            message_source=message.source, correlation_id=message.headers.get("correlation_id")
        )
        mark = work.checkpoint()
        try:
            if handler is None:
                raise PoisonMessage(f"no handler for topic {message.topic}")
            await handler(work, message)
            return "applied"
        except PoisonMessage as poison:
            work.roll_back_to(mark)
            poisoned.append((message, poison.reason))
            await self._record_dead_letter(work, message, poison.reason)
            return "dead_lettered"
        finally:
            structlog.contextvars.unbind_contextvars("message_source", "correlation_id")

    async def _prefetch(self, work: UnitOfWork, messages: Sequence[InboundMessage]) -> None:
        by_topic: dict[str, list[InboundMessage]] = {}
        for message in messages:
            by_topic.setdefault(message.topic, []).append(message)
        for topic, group in by_topic.items():
            prefetch = getattr(self._handlers.get(topic), "prefetch", None)
            if prefetch is not None:
                await prefetch(work, group)

    def _wanted(self, message: InboundMessage) -> bool:
        """Returns False for an event whose type header says its handler has no use for it."""
        handler = self._handlers.get(message.topic)
        event_types = getattr(handler, "event_types", None)
        event_type = message.headers.get("event_type")
        if event_types is None or event_type is None or event_type in event_types:
            return True
        metrics.MESSAGES_CONSUMED.labels(self._store.service, message.topic, "ignored").inc()
        return False

    async def _dead_letter(self, message: InboundMessage, reason: str) -> None:
        async with self._engine.begin() as connection:
            work = UnitOfWork(connection, self._store, self._projector, self._clock)
            key = self._key(message)
            if key in await already_processed(connection, self.consumer, [key]):
                return
            await self._record_dead_letter(work, message, reason)
            await work.flush()
            await record_processed(connection, self.consumer, [(key, message.source)], self._clock.now())
        self._after_commit()
        await self._send_dead_letter(message, reason)

    async def _record_dead_letter(self, work: UnitOfWork, message: InboundMessage, reason: str) -> None:
        log.warning("message_dead_lettered", consumer=self.consumer, source=message.source, reason=reason)
        # Kept in the log, so the reason survives even if the dead-letter topic is unreachable.
        event = NewEvent(
            type=DEAD_LETTER_EVENT,
            payload={
                "consumer": self.consumer,
                "source": message.source,
                "reason": reason,
                "key": (message.key or b"").decode("utf-8", errors="replace"),
                "body": (message.value or b"")[:4096].decode("utf-8", errors="replace"),
            },
            correlation_id=message.headers.get("correlation_id") or f"dead-letter:{message.source}",
            causation_id=message.headers.get("event_id"),
            occurred_at=work.clock.now(),
        )
        await work.append(f"dead-letter:{self.consumer}:{message.source}", 0, [event])

    async def _send_dead_letter(self, message: InboundMessage, reason: str) -> None:
        if self._dead_letter_sink is None:
            return
        try:
            await self._dead_letter_sink(message, reason)
        except Exception:
            log.exception("dead_letter_publish_failed", source=message.source)

    def _key(self, message: InboundMessage) -> str:
        handler = self._handlers.get(message.topic)
        if handler is None:
            return message.source
        try:
            return handler.message_key(message)
        except PoisonMessage:
            return message.source
