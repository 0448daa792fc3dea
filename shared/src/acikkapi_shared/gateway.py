"""The command gateway: commands from HTTP requests and timers, on the same path as Kafka's.

Each command runs in its own transaction: the idempotency key is looked up, the command executed, its
events and read-model writes flushed and the key recorded with what was answered, all at once. A
retry with the same key gets the same answer (the events first recorded, or the same rejection),
never a second effect. A concurrent writer (a Kafka batch, another officer) makes the transaction
conflict; the command is then decided again on the new state.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import structlog
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from acikkapi_shared.clock import Clock
from acikkapi_shared.commands import CommandContext, CommandRunner, command_name, execute, execute_decided
from acikkapi_shared.decider import CommandRejected, Decider
from acikkapi_shared.events.envelope import EventEnvelope
from acikkapi_shared.eventstore.durability import make_durable
from acikkapi_shared.eventstore.state_cache import StateCache
from acikkapi_shared.eventstore.store import SqlAlchemyEventStore
from acikkapi_shared.eventstore.tracking import record_outcomes, recorded_outcomes
from acikkapi_shared.eventstore.unit_of_work import Projector, UnitOfWork
from acikkapi_shared.gateway_held import HeldPlan, HeldWrite, write_held
from acikkapi_shared.gateway_requests import (
    KEY_MISSING_TR,
    KEY_REUSED_TR,
    CommandOutcome,
    GatewayCommand,
    GatewayRun,
    IdempotencyKeyReused,
    Rejection,
    answer_of,
    outcome_result,
)
from acikkapi_shared.messaging.failures import describe
from acikkapi_shared.messaging.retry import Backoff, retrying, transient_with_bounded_conflicts
from acikkapi_shared.observability import metrics

__all__ = [
    "KEY_MISSING_TR",
    "KEY_REUSED_TR",
    "CommandGateway",
    "CommandOutcome",
    "GatewayCommand",
    "GatewayRun",
    "HeldPlan",
    "HeldWrite",
    "IdempotencyKeyReused",
    "Rejection",
]

log = structlog.get_logger(__name__)

Result = TypeVar("Result")
State = TypeVar("State")
Command = TypeVar("Command")


@dataclass(frozen=True)
class _Keyed:
    """One idempotent piece of a transaction: its key, what it is recorded as, and what it runs."""

    key: str
    source: str
    fingerprint: str | None
    context: CommandContext
    body: Callable[[CommandRunner], Awaitable[object]]


@dataclass(frozen=True)
class _Prefetch:
    """What a transaction reads first in one query each: streams to fold, and streams whose decisions
    were made ahead (only their versions are needed)."""

    streams: Sequence[str] = ()
    versions: Sequence[str] = ()


@dataclass(frozen=True)
class _Writing:
    """How a keyed transaction is written: answering a request (counted in requests_writing) or not,
    and durable (fsynced before it returns) or left for the caller to make durable before it answers."""

    answering: bool
    durable: bool = True


def _executing(request: GatewayCommand) -> Callable[[CommandRunner], Awaitable[object]]:
    async def body(commands: CommandRunner) -> object:
        if request.decided is not None:
            return await execute_decided(
                commands.work, request.decider, request.decided, request.command, request.context
            )
        return await execute(
            commands.work, request.decider, request.stream_id, request.command, request.context
        )

    return body


class CommandGateway:
    """Runs one command per transaction with an idempotency key (HTTP `Idempotency-Key`, timer keys)."""

    def __init__(
        self,
        *,
        engine: AsyncEngine,
        store: SqlAlchemyEventStore,
        projector: Projector,
        clock: Clock,
        after_commit: Callable[[Sequence[EventEnvelope]], None] | None = None,
        backoff: Backoff | None = None,
        max_attempts: int | None = 30,
        cache: StateCache | None = None,
    ) -> None:
        self._engine = engine
        self._store = store
        self._projector = projector
        self.clock = clock
        self._after_commit = after_commit or (lambda _events: None)
        self._backoff = backoff or Backoff(first=0.02, most=1.0)
        # A request waits a few seconds for a database that restarts, then fails (HTTP 503) rather
        # than hang; a timer's loop retries on its own schedule.
        self._max_attempts = max_attempts
        self._cache = cache
        self._requests_writing = 0

    @property
    def requests_writing(self) -> int:
        """Returns how many requests somebody waits on (handle, handle_run, handle_runs: HTTP) are in a
        transaction or waiting for the database; the service's batch consumer hands the writer over
        to them (BatchProcessor's yield_to). Timers and loops (run, handle_all, handle_held) are not
        counted: they wait their turn like a batch."""
        return self._requests_writing

    @contextlib.asynccontextmanager
    async def _transaction(self, *, answering: bool, durable: bool = True) -> AsyncIterator[AsyncConnection]:
        """durability.transaction() (without its fsync when not durable: the caller then awaits
        make_durable before it tells anyone); one answering a request is counted in requests_writing
        until its commit (not during the fsync after it, which holds no lock)."""
        counted = 1 if answering else 0
        self._requests_writing += counted
        try:
            async with self._engine.begin() as connection:
                yield connection
        finally:
            self._requests_writing -= counted
        if durable:
            await make_durable(self._engine)

    async def make_durable(self) -> None:
        """Returns once every transaction this gateway committed before the call is on disk."""
        await make_durable(self._engine)

    async def run(
        self, body: Callable[[CommandRunner], Awaitable[Result]], context: CommandContext, *, channel: str
    ) -> Result:
        """Runs body's commands in one transaction under context, deciding again on a conflict.

        For work that is more than one command (claim these, then plan that); each decider keeps it
        idempotent. Returns what body returned in the attempt that committed.
        """

        def on_retry(error: BaseException, wait: float) -> None:
            log.warning("commands_retried", channel=channel, error=describe(error), retry_in=wait)

        async def attempt() -> tuple[Result, list[EventEnvelope]]:
            async with self._transaction(answering=False) as connection:
                work = UnitOfWork(connection, self._store, self._projector, self.clock, self._cache)
                result = await body(CommandRunner(work, context))
                recorded = await work.flush()
            work.remember_folds()
            return result, recorded

        result, recorded = await retrying(
            attempt,
            backoff=self._backoff,
            retry_if=transient_with_bounded_conflicts(),
            on_retry=on_retry,
            max_attempts=self._max_attempts,
        )
        self._committed(recorded)
        return result

    def _committed(self, recorded: Sequence[EventEnvelope]) -> None:
        # Counted per type, not per event: a timer burst commits thousands of one type at once.
        for event_type, count in Counter(event.type for event in recorded).items():
            metrics.EVENTS_APPENDED.labels(self._store.service, event_type).inc(count)
        if recorded:
            self._after_commit(recorded)

    async def handle(
        self,
        decider: Decider[State, Command],
        stream_id: str,
        command: Command,
        context: CommandContext,
        *,
        channel: str = "http",
        fingerprint: str | None = None,
    ) -> CommandOutcome:
        """Executes the command once per (channel, context.idempotency_key); see the module docstring.

        fingerprint identifies the request (a hash of its body): the same key with another fingerprint
        raises IdempotencyKeyReused.
        """
        request = GatewayCommand(decider, stream_id, command, context, fingerprint)
        (outcome,) = await self._handle_all([request], channel=channel, answering=True)
        return outcome

    async def handle_all(self, requests: Sequence[GatewayCommand], *, channel: str) -> list[CommandOutcome]:
        """Executes several commands, each once per idempotency key, in one transaction (a timer's
        batch); each gets its own outcome, as if handled alone. (Many commands to commit at a
        moment, written ahead of it: handle_held.)"""
        return await self._handle_all(requests, channel=channel, answering=False)

    async def _handle_all(
        self, requests: Sequence[GatewayCommand], *, channel: str, answering: bool
    ) -> list[CommandOutcome]:
        keys = [request.context.idempotency_key for request in requests]
        if not all(keys) or len(set(keys)) != len(keys):
            raise ValueError("every gateway command needs an idempotency key of its own")
        if not requests:
            return []
        items = [
            _Keyed(
                str(request.context.idempotency_key),
                request.stream_id,
                request.fingerprint,
                request.context,
                _executing(request),
            )
            for request in requests
        ]
        prefetch = _Prefetch(
            [r.stream_id for r in requests if r.decided is None],
            [r.stream_id for r in requests if r.decided is not None],
        )
        outcomes, recorded = await self._keyed(items, channel, prefetch, _Writing(answering))
        for outcome in outcomes:
            if isinstance(outcome, IdempotencyKeyReused):
                raise outcome
        self._count(channel, [command_name(r.command) for r in requests], outcomes)
        self._committed(recorded)
        return [outcome for outcome in outcomes if not isinstance(outcome, IdempotencyKeyReused)]

    async def handle_held(self, plan: HeldPlan, *, channel: str) -> HeldWrite:
        """Writes many commands (each once per idempotency key) in one transaction that commits no
        earlier than plan.moment, a chunk at a time, keeping only their events and counts until the
        commit (gateway_held.py); a conflict writes them again. Meanwhile the service's other writers
        wait: the caller keeps that short (plan.more)."""

        def on_retry(error: BaseException, wait: float) -> None:
            log.warning("commands_retried", channel=channel, error=describe(error), retry_in=wait)

        async def attempt() -> HeldWrite:
            async with self._transaction(answering=False) as connection:
                return await write_held(connection, self._store, self._projector, self.clock, channel, plan)

        done = await retrying(
            attempt,
            backoff=self._backoff,
            retry_if=transient_with_bounded_conflicts(),
            on_retry=on_retry,
            max_attempts=self._max_attempts,
        )
        for (command, result), count in done.answers.items():
            metrics.COMMANDS_HANDLED.labels(self._store.service, channel, command, result).inc(count)
        log.info("commands_handled", channel=channel, count=done.taken, events=len(done.recorded))
        self._committed(done.recorded)
        return done

    async def handle_runs(
        self, runs: Sequence[GatewayRun], *, source: str, channel: str = "http", durable: bool = True
    ) -> list[CommandOutcome | IdempotencyKeyReused]:
        """Runs several requests' bodies in one transaction (one commit for many requests), each once
        per its key and as if handled alone: a CommandRejected rolls back only its own commands. A key
        used before with another fingerprint gets IdempotencyKeyReused in its place. source names the
        kind of request (the metric's command label).

        durable=False returns at the commit, before the fsync (SQLite): the caller must await
        make_durable() before it answers anyone, and may meanwhile write the next transaction."""
        keys = [run.context.idempotency_key for run in runs]
        if not all(keys) or len(set(keys)) != len(keys):
            raise ValueError("every run needs an idempotency key of its own")
        if not runs:
            return []
        items = [
            _Keyed(str(run.context.idempotency_key), source, run.fingerprint, run.context, run.body)
            for run in runs
        ]
        streams = [stream for run in runs for stream in run.streams]
        writing = _Writing(answering=True, durable=durable)
        outcomes, recorded = await self._keyed(items, channel, _Prefetch(streams=streams), writing)
        self._count(channel, [source] * len(outcomes), outcomes)
        self._committed(recorded)
        return outcomes

    def _count(
        self, channel: str, commands: Sequence[str], outcomes: Sequence[CommandOutcome | IdempotencyKeyReused]
    ) -> None:
        counted = Counter(
            (command, outcome_result(outcome))
            for command, outcome in zip(commands, outcomes, strict=True)
            if not isinstance(outcome, IdempotencyKeyReused)
        )
        for (command, result), count in counted.items():
            metrics.COMMANDS_HANDLED.labels(self._store.service, channel, command, result).inc(count)

    async def _keyed(
        self, items: Sequence[_Keyed], channel: str, prefetch: _Prefetch, writing: _Writing
    ) -> tuple[list[CommandOutcome | IdempotencyKeyReused], list[EventEnvelope]]:
        def on_retry(error: BaseException, wait: float) -> None:
            log.warning("command_retried", channel=channel, error=describe(error), retry_in=wait)

        first = items[0].context
        structlog.contextvars.bind_contextvars(
            correlation_id=first.correlation_id or items[0].source, request_id=first.request_id
        )
        try:
            return await retrying(
                lambda: self._attempt(items, channel, prefetch, writing),
                backoff=self._backoff,
                retry_if=transient_with_bounded_conflicts(),
                on_retry=on_retry,
                max_attempts=self._max_attempts,
            )
        finally:
            structlog.contextvars.unbind_contextvars("correlation_id", "request_id")

    async def _attempt(
        self, items: Sequence[_Keyed], channel: str, prefetch: _Prefetch, writing: _Writing
    ) -> tuple[list[CommandOutcome | IdempotencyKeyReused], list[EventEnvelope]]:
        outcomes: list[CommandOutcome | IdempotencyKeyReused | None] = [None] * len(items)
        decided: list[tuple[int, Rejection | None, list[str]]] = []
        async with self._transaction(answering=writing.answering, durable=writing.durable) as connection:
            work = UnitOfWork(connection, self._store, self._projector, self.clock, self._cache)
            priors = await recorded_outcomes(connection, channel, [item.key for item in items])
            await work.prefetch(prefetch.streams)
            await work.prefetch_versions(prefetch.versions)
            for index, item in enumerate(items):
                prior = priors.get(item.key)
                if prior is not None:
                    try:
                        outcomes[index] = await self._replay(connection, prior, item.fingerprint)
                    except IdempotencyKeyReused as reused:
                        outcomes[index] = reused
                    continue
                mark = work.checkpoint()
                before = work.pending_count()
                rejection: Rejection | None = None
                try:
                    await item.body(CommandRunner(work, item.context))
                except CommandRejected as rejected:
                    work.roll_back_to(mark)
                    rejection = Rejection(rejected.code, rejected.message_tr, rejected.field)
                decided.append((index, rejection, work.pending_event_ids(before)))
            recorded = await work.flush()
            by_id = {str(event.event_id): event for event in recorded}
            answered: list[tuple[str, str, dict[str, Any]]] = []
            for index, rejection, event_ids in decided:
                item = items[index]
                answered.append((item.key, item.source, answer_of(item.fingerprint, event_ids, rejection)))
                outcomes[index] = CommandOutcome([by_id[i] for i in event_ids], rejection)
            await record_outcomes(connection, channel, answered, self.clock.now())
        work.remember_folds()
        log.info("commands_handled", channel=channel, count=len(items), events=len(recorded))
        return [outcome for outcome in outcomes if outcome is not None], recorded

    async def handle_run(
        self,
        body: Callable[[CommandRunner], Awaitable[object]],
        context: CommandContext,
        *,
        source: str,
        channel: str = "http",
        fingerprint: str | None = None,
    ) -> CommandOutcome:
        """Runs body's commands in one transaction once per (channel, context.idempotency_key).

        For a request whose effect spans streams (re-send these): what handle is for one command. A
        CommandRejected from body rolls back all its commands and is the recorded answer. source
        names the kind of request (a few fixed names: it is also the metric's command label).
        """
        key = context.idempotency_key
        if not key:
            raise ValueError("handle_run needs an idempotency key")

        def on_retry(error: BaseException, wait: float) -> None:
            log.warning("command_retried", channel=channel, error=describe(error), retry_in=wait)

        async def attempt() -> tuple[CommandOutcome, list[EventEnvelope]]:
            async with self._transaction(answering=True) as connection:
                prior = (await recorded_outcomes(connection, channel, [key])).get(key)
                if prior is not None:
                    return await self._replay(connection, prior, fingerprint), []
                work = UnitOfWork(connection, self._store, self._projector, self.clock, self._cache)
                rejection: Rejection | None = None
                mark = work.checkpoint()
                try:
                    await body(CommandRunner(work, context))
                except CommandRejected as rejected:
                    work.roll_back_to(mark)
                    rejection = Rejection(rejected.code, rejected.message_tr, rejected.field)
                event_ids = work.pending_event_ids()
                recorded = await work.flush()
                answer = answer_of(fingerprint, event_ids, rejection)
                await record_outcomes(connection, channel, [(key, source, answer)], self.clock.now())
            work.remember_folds()
            return CommandOutcome(recorded, rejection), recorded

        outcome, recorded = await retrying(
            attempt,
            backoff=self._backoff,
            retry_if=transient_with_bounded_conflicts(),
            on_retry=on_retry,
            max_attempts=self._max_attempts,
        )
        metrics.COMMANDS_HANDLED.labels(self._store.service, channel, source, outcome_result(outcome)).inc()
        self._committed(recorded)
        return outcome

    async def _replay(
        self, connection: Any, prior: dict[str, Any], fingerprint: str | None
    ) -> CommandOutcome:
        first = prior.get("fingerprint")
        if fingerprint is not None and first is not None and first != fingerprint:
            raise IdempotencyKeyReused("this Idempotency-Key was used for a different request")
        refused = prior.get("rejection")
        rejection = None
        if refused:
            rejection = Rejection(refused["code"], refused["message_tr"], prior.get("field"))
        events = await self._store.read_events(connection, list(prior.get("events", [])))
        return CommandOutcome(events=events, rejection=rejection, replayed=True)
