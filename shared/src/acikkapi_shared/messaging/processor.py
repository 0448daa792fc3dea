"""Applies consumed batches with exactly-once effect: tracking rows commit with the effects.

What a batch can meet, and what happens:
- a message that cannot be translated or whose command is rejected (any bytes, any nesting, any
  number, any header): its buffered work is rolled back and it is dead-lettered inside the same
  transaction; the rest of the batch is applied as if it were not there;
- the environment failing (database restart, lost connection, lock timeout, deadlock, read-only
  replica, a concurrent writer): the whole batch is retried with backoff, never dead-lettered;
- a failure that is neither (a value the database refuses at flush): the batch is applied message by
  message, so only the culprit is dead-lettered;
- a message whose key was processed before: skipped as a redelivery, unless its translator digests
  messages (message_digest) and this one asks for something else under the same identity (a portal
  reusing a submission id): then it is dead-lettered as KEY_REUSED, never dropped in silence.
process() returns only when every message is applied, skipped as done, or dead-lettered; if even a
dead letter cannot be written it raises, and the consumer seeks back instead of moving on.

A batch is one transaction unless requests are waiting to write (yield_to: the service's HTTP
requests, on SQLite's one writer connection): then, once the transaction has been open for
yield_after_s, it commits what it has and the rest of the batch follows in the next one, so a
citizen's request never waits for a whole batch of a hundred messages. Timers and loops are not
waited for: smaller transactions for them cost a fifth of the flat-out throughput.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from acikkapi_shared.clock import Clock
from acikkapi_shared.commands import CommandContext, CommandRunner, execute
from acikkapi_shared.decider import CommandRejected
from acikkapi_shared.events.envelope import EventEnvelope
from acikkapi_shared.eventstore.durability import transaction
from acikkapi_shared.eventstore.errors import ConcurrencyConflict
from acikkapi_shared.eventstore.state_cache import StateCache
from acikkapi_shared.eventstore.store import SqlAlchemyEventStore
from acikkapi_shared.eventstore.tracking import already_processed, processed_digests, record_processed
from acikkapi_shared.eventstore.unit_of_work import Projector, UnitOfWork
from acikkapi_shared.faults import crash_point
from acikkapi_shared.messaging.dead_letters import (
    RecordDeadLetter,
    bounded_id,
    dead_letter_stream,
    dead_letters,
)
from acikkapi_shared.messaging.failures import PoisonMessage, describe
from acikkapi_shared.messaging.inbound import InboundMessage, MessageTranslator
from acikkapi_shared.messaging.retry import (
    Backoff,
    is_database_error,
    retrying,
    transient_with_bounded_conflicts,
)
from acikkapi_shared.observability import metrics

log = structlog.get_logger(__name__)

FAILURES_BEFORE_DEAD_LETTER = 3

DeadLetterSink = Callable[[InboundMessage, str], Awaitable[None]]
AfterCommit = Callable[[Sequence[EventEnvelope]], None]
Keyed = tuple[InboundMessage, str]
Result = TypeVar("Result")
YIELD_AFTER_S = 0.01


# Why a message is dead-lettered when its identity was processed before with other content.
KEY_REUSED_REASON = "KEY_REUSED: {key} was processed before with other content; the first one stands"


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
        translators: dict[str, MessageTranslator],
        dead_letter_sink: DeadLetterSink | None = None,
        after_commit: AfterCommit | None = None,
        backoff: Backoff | None = None,
        cache: StateCache | None = None,
        yield_to: Callable[[], bool] | None = None,
        yield_after_s: float = YIELD_AFTER_S,
    ) -> None:
        self.consumer = consumer
        self._engine = engine
        self._store = store
        self._projector = projector
        self._clock = clock
        self._translators = translators
        self._dead_letter_sink = dead_letter_sink
        self._after_commit = after_commit or (lambda _events: None)
        self._backoff = backoff or Backoff(first=0.05, most=5.0)
        self._cache = cache
        self._yield_to = yield_to
        self._yield_after_s = yield_after_s

    async def process(self, messages: Sequence[InboundMessage]) -> None:
        """Applies the messages; returns only once their effects are committed (or dead-lettered)."""
        relevant: list[InboundMessage] = []
        ignored: Counter[str] = Counter()
        for message in messages:
            if self._wanted(message):
                relevant.append(message)
            else:
                ignored[message.topic] += 1
        # Counted per topic, not per message (a metric's labels() is a lock and a dict lookup).
        for topic, count in ignored.items():
            metrics.MESSAGES_CONSUMED.labels(self._store.service, topic, "ignored").inc(count)
        if not relevant:
            return
        started = time.perf_counter()
        rest = [(message, self._key(message)) for message in relevant]
        while rest:
            try:
                taken = await self._retrying(functools.partial(self._apply, rest))
            except asyncio.CancelledError:
                raise
            except Exception as error:
                # Not the environment and not one message's translation: find the culprit one by one.
                log.warning(
                    "batch_failed_splitting", consumer=self.consumer, size=len(rest), error=describe(error)
                )
                for item in rest:
                    await self._apply_alone(item)
                break
            rest = rest[taken:]
        metrics.BATCH_SECONDS.labels(self._store.service).observe(time.perf_counter() - started)

    async def _apply_alone(self, item: Keyed) -> None:
        failures = 0
        while True:
            try:
                await self._retrying(lambda: self._apply([item]))
                return
            except asyncio.CancelledError:
                raise
            except Exception as error:
                failures += 1
                if failures >= FAILURES_BEFORE_DEAD_LETTER:
                    # Only is_transient failures are retried here: anything else means the dead
                    # letter cannot be written, and the consumer must not move past the message.
                    dead_letter = functools.partial(self._dead_letter, item, describe(error))
                    await retrying(dead_letter, backoff=self._backoff)
                    return
                await asyncio.sleep(self._backoff.delay(failures))

    async def _retrying(self, attempt: Callable[[], Awaitable[Result]]) -> Result:
        def on_retry(error: BaseException, wait: float) -> None:
            metrics.CONSUMER_RETRIES.labels(self._store.service).inc()
            log.warning(
                "batch_transient_failure", consumer=self.consumer, error=describe(error), retry_in=wait
            )

        retry_if = transient_with_bounded_conflicts()
        return await retrying(attempt, backoff=self._backoff, retry_if=retry_if, on_retry=on_retry)

    def _yielding(self, opened: float) -> bool:
        """Returns whether the transaction opened then should commit now for the waiting writers."""
        return (
            self._yield_to is not None
            and time.perf_counter() - opened >= self._yield_after_s
            and self._yield_to()
        )

    async def _apply(self, keyed: Sequence[Keyed]) -> int:
        """Applies messages from the start of keyed in one transaction (all of them unless it yields
        to other writers, at least one); returns how many."""
        poisoned: list[Keyed] = []
        outcomes: list[tuple[str, str]] = []
        taken = 0
        async with transaction(self._engine) as connection:
            opened = time.perf_counter()
            work = UnitOfWork(connection, self._store, self._projector, self._clock, self._cache)
            digests = await processed_digests(connection, self.consumer, [key for _, key in keyed])
            await work.prefetch(self._streams([message for message, key in keyed if key not in digests]))
            processed: list[tuple[str, str, str | None]] = []
            for message, key in keyed:
                if taken and self._yielding(opened):
                    break
                taken += 1
                digest = self._digest(message)
                if key in digests:
                    if digests[key] and digest and digest != digests[key]:
                        # The same identity with other content: not a redelivery, and not to be
                        # dropped in silence (the first one's effects stand).
                        reason = KEY_REUSED_REASON.format(key=key)
                        await self._record_dead_letter(work, message, reason)
                        poisoned.append((message, reason))
                        outcomes.append((message.topic, "dead_lettered"))  # the alert's to see
                    else:
                        outcomes.append((message.topic, "duplicate"))
                    continue
                digests[key] = digest
                outcome = await self._handle(work, message, key, poisoned)
                processed.append((key, message.source, digest))
                outcomes.append((message.topic, outcome))
            await work.flush()
            await record_processed(connection, self.consumer, processed, self._clock.now())
            crash_point("processor.before_commit")
        work.remember_folds()
        self._committed(work.appended, outcomes)
        for message, reason in poisoned:
            await self._send_dead_letter(message, reason)
        return taken

    async def _handle(
        self, work: UnitOfWork, message: InboundMessage, key: str, poisoned: list[Keyed]
    ) -> str:
        context = self._context(message, key)
        structlog.contextvars.bind_contextvars(
            message_source=message.source, correlation_id=context.correlation_id
        )
        mark = work.checkpoint()
        try:
            translator = self._translators.get(message.topic)
            if translator is None:
                raise PoisonMessage(f"no translator for topic {message.topic}")
            await translator.translate(message, CommandRunner(work, context))
            return "applied"
        except asyncio.CancelledError:
            raise
        except Exception as error:
            if is_database_error(error) or isinstance(error, ConcurrencyConflict):
                raise  # the transaction is in doubt: retry or split the whole batch
            work.roll_back_to(mark)
            reason = describe(error)
            await self._record_dead_letter(work, message, reason)
            poisoned.append((message, reason))
            return "rejected" if isinstance(error, CommandRejected) else "dead_lettered"
        finally:
            structlog.contextvars.unbind_contextvars("message_source", "correlation_id")

    def _context(self, message: InboundMessage, key: str) -> CommandContext:
        return CommandContext(
            occurred_at=self._clock.now(),
            actor=f"service:{self.consumer}",
            correlation_id=bounded_id(message.headers.get("correlation_id")),
            causation_id=bounded_id(message.headers.get("event_id")) or message.source,
            idempotency_key=key,
        )

    def _streams(self, messages: Sequence[InboundMessage]) -> list[str]:
        streams: list[str] = []
        for message in messages:
            try:
                streams.extend(self._translators[message.topic].streams(message))
            except Exception:  # only a loading hint: translation reports what is wrong
                continue
        return streams

    def _wanted(self, message: InboundMessage) -> bool:
        """Returns False for an event whose type header says its translator has no use for it."""
        translator = self._translators.get(message.topic)
        if translator is None:
            return True  # dead-lettered: nothing here knows what to do with it
        event_type = message.headers.get("event_type")
        return translator.event_types is None or event_type is None or event_type in translator.event_types

    def _digest(self, message: InboundMessage) -> str | None:
        """Returns the digest of what the message asks for, if its translator defines one
        (message_digest): a message whose key was processed with another digest is a conflict."""
        digest_of = getattr(self._translators.get(message.topic), "message_digest", None)
        if digest_of is None:
            return None
        try:
            digest = digest_of(message)
        except Exception:
            return None
        return digest if isinstance(digest, str) else None

    def _key(self, message: InboundMessage) -> str:
        """Returns the message's tracking key; its place in the topic when no identity can be read."""
        translator = self._translators.get(message.topic)
        try:
            key = translator.message_key(message) if translator is not None else None
        except Exception:
            key = None
        return key if key is not None and len(key) <= 300 else f"record:{message.source}"[:300]

    async def _dead_letter(self, item: Keyed, reason: str) -> None:
        message, key = item
        async with transaction(self._engine) as connection:
            work = UnitOfWork(connection, self._store, self._projector, self._clock)
            if key in await already_processed(connection, self.consumer, [key]):
                return
            await self._record_dead_letter(work, message, reason)
            await work.flush()
            digest = self._digest(message)
            await record_processed(
                connection, self.consumer, [(key, message.source, digest)], self._clock.now()
            )
        self._committed(work.appended, [(message.topic, "dead_lettered")])
        await self._send_dead_letter(message, reason)

    async def _record_dead_letter(self, work: UnitOfWork, message: InboundMessage, reason: str) -> None:
        log.warning("message_dead_lettered", consumer=self.consumer, source=message.source, reason=reason)
        context = CommandContext(
            occurred_at=self._clock.now(),
            actor=f"service:{self.consumer}",
            correlation_id=bounded_id(message.headers.get("correlation_id"))
            or dead_letter_stream(self.consumer, message),
            causation_id=bounded_id(message.headers.get("event_id")),
        )
        command = RecordDeadLetter(message=message, consumer=self.consumer, reason=reason)
        await execute(work, dead_letters, dead_letter_stream(self.consumer, message), command, context)

    def _committed(self, events: Sequence[EventEnvelope], outcomes: Sequence[tuple[str, str]]) -> None:
        service = self._store.service
        for (topic, outcome), count in Counter(outcomes).items():
            metrics.MESSAGES_CONSUMED.labels(service, topic, outcome).inc(count)
        for event_type, count in Counter(event.type for event in events).items():
            metrics.EVENTS_APPENDED.labels(service, event_type).inc(count)
        try:
            self._after_commit(events)
        except Exception:  # a listener (metrics, a wake-up) must never undo a commit
            log.exception("after_commit_listener_failed", consumer=self.consumer)

    async def _send_dead_letter(self, message: InboundMessage, reason: str) -> None:
        if self._dead_letter_sink is None:
            return
        try:
            await self._dead_letter_sink(message, reason)
        except Exception:  # the log keeps the dead letter; the topic copy is a convenience
            log.warning("dead_letter_publish_failed", source=message.source, exc_info=True)
