"""Many commands written ahead of a moment in one transaction that commits at it, a chunk at a time.

`CommandGateway.handle_all` keeps every command's records until its commit: the keyed item, the unit
of work's folds, versions and journal, the rows, the answer and an outcome with its events, ~5 KB a
command. For tens of thousands of commands due at one moment (the sla-monitor's
timer bursts: every timer falls on a midnight) `write_held` writes them a chunk at a time inside the
one transaction: each chunk's commands are executed on a unit of work of their own, their events,
read-model writes and idempotency records flushed, and the chunk's objects dropped. Until the commit
only the recorded events (the commit listeners are told of them once committed) and counts are kept.

Before each chunk the caller is asked whether to go on (`more`): it stops when the moment is too near
to write another, and appends the rest after the moment. Every command's idempotency key is looked up
as in handle_all (a command answered before is counted as replayed, not run again); the streams'
versions are read per chunk (a decision made ahead whose stream moved is decided again); a stream is
written by one command of the write at most. The states after the commands are not put into the state
cache (a decision made ahead may not even keep its state): the next command on such a stream folds it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from acikkapi_shared.clock import Clock, sleep_until
from acikkapi_shared.commands import command_name, execute, execute_decided
from acikkapi_shared.decider import CommandRejected
from acikkapi_shared.events.envelope import EventEnvelope
from acikkapi_shared.eventstore.durability import make_durable
from acikkapi_shared.eventstore.store import SqlAlchemyEventStore
from acikkapi_shared.eventstore.tracking import record_outcomes, recorded_outcomes
from acikkapi_shared.eventstore.unit_of_work import Projector, UnitOfWork
from acikkapi_shared.gateway_requests import GatewayCommand, Rejection, answer_of


@dataclass
class HeldWrite:
    """What a held write did: how many of the commands it took (the first `taken`), what they
    recorded (kept for the commit listeners) and how each was answered, counted by (command, result:
    applied, rejected or replayed)."""

    taken: int = 0
    recorded: list[EventEnvelope] = field(default_factory=list)
    answers: Counter[tuple[str, str]] = field(default_factory=Counter)


@dataclass(frozen=True)
class HeldPlan:
    """A held write's commands, built a chunk at a time, and when it commits."""

    count: int  # commands in all
    build: Callable[[int, int], Sequence[GatewayCommand]]  # the commands [start, stop)
    moment: datetime  # committed no earlier, its events recorded at it
    chunk: int = 1_000
    more: Callable[[int], bool] = lambda _written: True  # asked before each chunk, with the count written
    written: Callable[[int], None] | None = None  # told the count once written, before the wait


async def write_held(
    connection: AsyncConnection,
    store: SqlAlchemyEventStore,
    projector: Projector,
    clock: Clock,
    channel: str,
    plan: HeldPlan,
) -> HeldWrite:
    """Writes the plan's commands on the open transaction's connection, a chunk at a time, then waits
    for the moment (the caller commits when this returns)."""
    done = HeldWrite()
    streams: set[str] = set()
    while done.taken < plan.count and plan.more(done.taken):
        requests = plan.build(done.taken, min(plan.count, done.taken + plan.chunk))
        for request in requests:
            if request.stream_id in streams:
                raise ValueError(f"{request.stream_id}: a held write writes each stream once")
            streams.add(request.stream_id)
        await _write_chunk(connection, store, projector, clock, channel, plan.moment, requests, done)
        done.taken += len(requests)
    if not done.taken:
        return done  # nothing written, nothing to hold the others back for
    if plan.written is not None:
        plan.written(done.taken)
    # What is written goes to disk while the moment is awaited (syncing frames not yet committed is
    # harmless), so the commit's own sync has little left to do once it comes.
    await make_durable(connection.engine)
    await sleep_until(clock, plan.moment)
    return done


async def _write_chunk(
    connection: AsyncConnection,
    store: SqlAlchemyEventStore,
    projector: Projector,
    clock: Clock,
    channel: str,
    moment: datetime,
    requests: Sequence[GatewayCommand],
    done: HeldWrite,
) -> None:
    keys = [str(request.context.idempotency_key) for request in requests]
    if not all(keys) or len(set(keys)) != len(keys):
        raise ValueError("every gateway command needs an idempotency key of its own")
    work = UnitOfWork(connection, store, projector, clock)
    priors = await recorded_outcomes(connection, channel, keys)
    await work.prefetch([r.stream_id for r in requests if r.decided is None])
    await work.prefetch_versions([r.stream_id for r in requests if r.decided is not None])
    answered = []
    for key, request in zip(keys, requests, strict=True):
        if key in priors:  # answered before (another instance, an earlier attempt): not run again
            done.answers[command_name(request.command), "replayed"] += 1
            continue
        mark, before = work.checkpoint(), work.pending_count()
        rejection: Rejection | None = None
        try:
            decider, command, context = request.decider, request.command, request.context
            if request.decided is not None:
                await execute_decided(work, decider, request.decided, command, context)
            else:
                await execute(work, decider, request.stream_id, command, context)
        except CommandRejected as rejected:
            work.roll_back_to(mark)
            rejection = Rejection(rejected.code, rejected.message_tr, rejected.field)
        done.answers[command_name(request.command), "applied" if rejection is None else "rejected"] += 1
        answer = answer_of(request.fingerprint, work.pending_event_ids(before), rejection)
        answered.append((key, request.stream_id, answer))
    done.recorded += await work.flush(not_before=moment)
    await record_outcomes(connection, channel, answered, clock.now())
