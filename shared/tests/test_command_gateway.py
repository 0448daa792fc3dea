"""The command gateway (HTTP requests, timers) on real SQLite and PostgreSQL: once per key, the same
answer on a retry, conflicts decided again on the new state."""

from __future__ import annotations

import asyncio
import tracemalloc
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from acikkapi_shared import gateway_held
from acikkapi_shared.clock import ManualClock
from acikkapi_shared.commands import CommandContext, CommandRunner, decide_on, new_event
from acikkapi_shared.decider import CommandRejected, Decider
from acikkapi_shared.events.base import EventPayload, EventTypes
from acikkapi_shared.events.envelope import EventEnvelope
from acikkapi_shared.eventstore.database import create_engine, migrate, reader_for
from acikkapi_shared.eventstore.schema import events
from acikkapi_shared.eventstore.state_cache import StateCache
from acikkapi_shared.eventstore.store import PendingEvent, SqlAlchemyEventStore
from acikkapi_shared.eventstore.unit_of_work import NoProjections
from acikkapi_shared.gateway import CommandGateway, GatewayCommand, HeldPlan, IdempotencyKeyReused
from acikkapi_shared.messaging.retry import Backoff
from acikkapi_shared.testing.fakes import noting_held_waits

NOW = datetime(2026, 5, 22, 11, 0, tzinfo=UTC)


class Counted(EventPayload):
    value: int


@dataclass(frozen=True)
class Count:
    up_to: int | None = None  # refuse to count past this


def _decide(command: Count, value: int) -> Sequence[EventPayload]:
    if command.up_to is not None and value >= command.up_to:
        raise CommandRejected("LIMIT_REACHED", "Sınıra ulaşıldı.", field="up_to")
    return [Counted(value=value + 1)]


counter: Decider[int, Count] = Decider(
    name="counter",
    initial=lambda _stream: 0,
    evolve=lambda _value, event: event.value if isinstance(event, Counted) else _value,
    decide=_decide,
    events=EventTypes([Counted]),
)


def context(key: str) -> CommandContext:
    return CommandContext(occurred_at=NOW, actor="officer:1", idempotency_key=key, request_id=f"req-{key}")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'g.db'}" if request.param == "sqlite" else None
    engine = create_engine(url or request.getfixturevalue("postgres_database_url"))
    await migrate(engine)
    yield engine
    await engine.dispose()


def gateway_on(
    engine: AsyncEngine, store: SqlAlchemyEventStore | None = None, cache: StateCache | None = None
) -> CommandGateway:
    clock = ManualClock(NOW)
    return CommandGateway(
        engine=engine,
        store=store or SqlAlchemyEventStore("test", clock),
        projector=NoProjections(),
        clock=clock,
        backoff=Backoff(first=0.001, most=0.01),
        cache=cache,
    )


async def values(engine: AsyncEngine) -> list[int]:
    async with engine.connect() as connection:
        rows = await connection.execute(sa.select(events.c.payload).order_by(events.c.position))
        return [int(row.payload["value"]) for row in rows]


async def values_beside(engine: AsyncEngine) -> list[int]:
    """Returns the values read beside the writer, as any reader would (on SQLite the writer's one
    connection is held)."""
    reader = reader_for(engine.url.render_as_string(hide_password=False), engine)
    try:
        return await values(reader)
    finally:
        if reader is not engine:
            await reader.dispose()


async def test_the_same_key_twice_records_one_event_and_answers_the_same(engine: AsyncEngine) -> None:
    gateway = gateway_on(engine)
    first = await gateway.handle(counter, "c", Count(), context("k-1"), fingerprint="body-1")
    again = await gateway.handle(counter, "c", Count(), context("k-1"), fingerprint="body-1")
    assert await values(engine) == [1]
    assert not first.replayed and again.replayed
    assert [e.event_id for e in again.events] == [e.event_id for e in first.events]
    assert first.events[0].metadata == {
        "actor": "officer:1",
        "idempotency_key": "k-1",
        "request_id": "req-k-1",
    }


async def test_a_key_reused_for_another_request_is_refused(engine: AsyncEngine) -> None:
    gateway = gateway_on(engine)
    await gateway.handle(counter, "c", Count(), context("k-1"), fingerprint="body-1")
    with pytest.raises(IdempotencyKeyReused):
        await gateway.handle(counter, "c", Count(), context("k-1"), fingerprint="body-2")


async def test_a_rejection_is_recorded_and_answered_again_for_its_key(engine: AsyncEngine) -> None:
    gateway = gateway_on(engine)
    refused = await gateway.handle(counter, "c", Count(up_to=0), context("k-1"))
    again = await gateway.handle(counter, "c", Count(up_to=0), context("k-1"))
    assert refused.rejection is not None and refused.rejection.code == "LIMIT_REACHED"
    assert again.replayed and again.rejection == refused.rejection and await values(engine) == []


async def test_commands_of_one_batch_get_outcomes_of_their_own(engine: AsyncEngine) -> None:
    gateway = gateway_on(engine)
    outcomes = await gateway.handle_all(
        [
            GatewayCommand(counter, "a", Count(), context("k-a")),
            GatewayCommand(counter, "b", Count(up_to=0), context("k-b")),
            GatewayCommand(counter, "a", Count(), context("k-a2")),
        ],
        channel="timer",
    )
    assert [len(o.events) for o in outcomes] == [1, 0, 1] and outcomes[1].rejection is not None
    assert [e.payload["value"] for o in outcomes for e in o.events] == [1, 2]


async def test_concurrent_commands_on_one_stream_are_all_applied_in_turn(engine: AsyncEngine) -> None:
    gateways = [gateway_on(engine) for _ in range(4)]
    await asyncio.gather(
        *(g.handle(counter, "c", Count(), context(f"k-{i}")) for i, g in enumerate(gateways))
    )
    assert sorted(await values(engine)) == [1, 2, 3, 4]


@pytest.mark.postgres
async def test_a_conflict_is_decided_again_on_the_state_that_won(postgres_database_url: str) -> None:
    engine = create_engine(postgres_database_url)
    await migrate(engine)
    rival_engine = create_engine(postgres_database_url)
    clock = ManualClock(NOW)

    class RacedStore(SqlAlchemyEventStore):
        """Lets a rival writer append to the stream between this writer's fold and its insert."""

        raced = False

        async def insert(
            self,
            connection: AsyncConnection,
            pending: Sequence[PendingEvent],
            *,
            not_before: datetime | None = None,
        ) -> list[EventEnvelope]:
            if not self.raced:
                self.raced = True
                rival = SqlAlchemyEventStore("test", clock)
                async with rival_engine.begin() as other:
                    await rival.append(other, "c", 0, [new_event(Counted(value=1), "c", context("rival"))])
            return await super().insert(connection, pending, not_before=not_before)

    try:
        outcome = await gateway_on(engine, RacedStore("test", clock)).handle(
            counter, "c", Count(), context("k-1")
        )
        assert await values(engine) == [1, 2]  # decided again on the rival's 1, not written over it
        assert outcome.events[0].payload == {"value": 2}
    finally:
        await rival_engine.dispose()
        await engine.dispose()


async def test_run_executes_several_commands_in_one_transaction(engine: AsyncEngine) -> None:
    gateway = gateway_on(engine)

    async def claim_both(commands: CommandRunner) -> int:
        a = await commands.execute(counter, "a", Count())
        b = await commands.execute(counter, "b", Count(up_to=5))
        return len(a) + len(b)

    assert await gateway.run(claim_both, context("timer-1"), channel="timer") == 2
    assert sorted(await values(engine)) == [1, 1]


async def test_handle_run_records_a_multi_command_effect_once_per_key(engine: AsyncEngine) -> None:
    gateway = gateway_on(engine)
    calls = 0

    async def count_both(commands: CommandRunner) -> None:
        nonlocal calls
        calls += 1
        await commands.execute(counter, "a", Count())
        await commands.execute(counter, "b", Count())

    first = await gateway.handle_run(count_both, context("k-1"), source="count", fingerprint="f")
    again = await gateway.handle_run(count_both, context("k-1"), source="count", fingerprint="f")
    assert sorted(await values(engine)) == [1, 1] and calls == 1
    assert again.replayed and [e.event_id for e in again.events] == [e.event_id for e in first.events]
    with pytest.raises(IdempotencyKeyReused):
        await gateway.handle_run(count_both, context("k-1"), source="count", fingerprint="other")


async def test_handle_run_rolls_back_every_command_of_a_rejected_body(engine: AsyncEngine) -> None:
    gateway = gateway_on(engine)

    async def count_then_refuse(commands: CommandRunner) -> None:
        await commands.execute(counter, "a", Count())
        await commands.execute(counter, "b", Count(up_to=0))

    refused = await gateway.handle_run(count_then_refuse, context("k-1"), source="count")
    again = await gateway.handle_run(count_then_refuse, context("k-1"), source="count")
    assert refused.rejection is not None and refused.rejection.code == "LIMIT_REACHED"
    assert again.replayed and again.rejection == refused.rejection and await values(engine) == []


async def test_a_decision_made_ahead_is_appended_as_made_while_its_stream_has_not_moved(
    engine: AsyncEngine,
) -> None:
    gateway = gateway_on(engine)
    ahead = decide_on(counter, "c", Count(), context("k-1"), 0, 0)
    (outcome,) = await gateway.handle_all(
        [GatewayCommand(counter, "c", Count(), context("k-1"), decided=ahead)], channel="timer"
    )
    assert [e.event_id for e in outcome.events] == [e.event_id for e in ahead.appended]
    assert await values(engine) == [1]
    (again,) = await gateway.handle_all(
        [GatewayCommand(counter, "c", Count(), context("k-1"), decided=ahead)], channel="timer"
    )
    assert again.replayed and [e.event_id for e in again.events] == [e.event_id for e in ahead.appended]
    assert await values(engine) == [1]


async def test_a_decision_made_ahead_is_decided_again_once_its_stream_moved(engine: AsyncEngine) -> None:
    gateway = gateway_on(engine)
    ahead = decide_on(counter, "c", Count(), context("k-2"), 0, 0)  # on the empty stream
    await gateway.handle(counter, "c", Count(), context("k-1"))  # then the stream moves
    (outcome,) = await gateway.handle_all(
        [GatewayCommand(counter, "c", Count(), context("k-2"), decided=ahead)], channel="timer"
    )
    assert await values(engine) == [1, 2]  # decided on the state that is, not the one foreseen
    assert [e.event_id for e in outcome.events] != [e.event_id for e in ahead.appended]


def held_plan(
    commands: Sequence[GatewayCommand], moment: datetime, *, chunk: int = 2, more: int | None = None
) -> HeldPlan:
    """A held write of the commands, chunk at a time; more: stop once that many are written."""
    return HeldPlan(
        len(commands),
        lambda start, stop: commands[start:stop],
        moment,
        chunk,
        (lambda _written: True) if more is None else (lambda written: written < more),
    )


async def test_a_held_write_in_chunks_is_invisible_until_its_moment_and_recorded_at_it(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    holding = noting_held_waits(gateway_held, monkeypatch)
    gateway = gateway_on(engine)
    moment = NOW + timedelta(seconds=5)
    commands = [GatewayCommand(counter, stream, Count(), context(f"k-{stream}")) for stream in "abcde"]
    writing = asyncio.create_task(gateway.handle_held(held_plan(commands, moment), channel="timer"))
    await asyncio.wait_for(holding.wait(), timeout=10)
    assert await values_beside(engine) == [] and not writing.done()  # three chunks written, none visible
    assert isinstance(gateway.clock, ManualClock)
    gateway.clock.set(moment)
    done = await asyncio.wait_for(writing, timeout=10)
    assert done.taken == 5 and done.answers == {("Count", "applied"): 5}
    assert await values(engine) == [1] * 5
    assert [event.recorded_at for event in done.recorded] == [moment] * 5
    again = await gateway.handle_held(held_plan(commands, moment), channel="timer")
    assert again.answers == {("Count", "replayed"): 5} and not again.recorded  # once per key
    assert await values(engine) == [1] * 5


async def test_a_held_write_stops_adding_chunks_when_told(engine: AsyncEngine) -> None:
    gateway = gateway_on(engine)
    commands = [GatewayCommand(counter, stream, Count(), context(f"k-{stream}")) for stream in "abcde"]
    done = await gateway.handle_held(held_plan(commands, NOW, more=2), channel="timer")
    assert done.taken == 2 and await values(engine) == [1, 1]
    nothing = await gateway.handle_held(held_plan(commands[2:], NOW, more=0), channel="timer")
    assert nothing.taken == 0 and await values(engine) == [1, 1]


async def test_a_held_write_appends_decisions_without_their_state_and_decides_moved_ones_again(
    engine: AsyncEngine,
) -> None:
    cache = StateCache()
    gateway = gateway_on(engine, cache=cache)
    kept = decide_on(counter, "a", Count(), context("k-a"), 0, 0)
    lean = replace(decide_on(counter, "b", Count(), context("k-b"), 0, 0), events=(), state=None)
    moved = replace(decide_on(counter, "c", Count(), context("k-c"), 0, 0), events=(), state=None)
    await gateway.handle(counter, "c", Count(), context("k-0"))  # c moves after its decision
    commands = [
        GatewayCommand(counter, d.stream_id, Count(), context(f"k-{d.stream_id}"), decided=d)
        for d in (kept, lean, moved)
    ]
    done = await gateway.handle_held(held_plan(commands, NOW), channel="timer")
    by_stream = {event.stream_id: event for event in done.recorded}
    assert by_stream["a"].event_id == kept.appended[0].event_id
    assert by_stream["b"].event_id == lean.appended[0].event_id
    assert by_stream["c"].event_id != moved.appended[0].event_id and by_stream["c"].payload == {"value": 2}
    assert not cache.has_version("b", 1)  # no state kept, none cached
    with pytest.raises(ValueError, match="once"):
        await gateway.handle_held(held_plan([commands[0], commands[0]], NOW), channel="other")


async def test_a_held_write_keeps_less_memory_in_chunks_than_at_once(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'm.db'}")
    await migrate(engine)
    gateway = gateway_on(engine)

    async def peak(chunk: int, channel: str) -> int:
        commands = [GatewayCommand(counter, f"{channel}-{i}", Count(), context(f"{i}")) for i in range(2_000)]
        tracemalloc.start()
        try:
            await gateway.handle_held(held_plan(commands, NOW, chunk=chunk), channel=channel)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    try:
        at_once, chunked = await peak(2_000, "at-once"), await peak(100, "chunked")
    finally:
        await engine.dispose()
    # Only the recorded events outlive a chunk: a command's keyed item, fold, rows and answer do not.
    assert chunked < at_once * 0.7


async def test_requests_are_counted_as_writing_until_their_commit_and_loops_are_not(
    engine: AsyncEngine,
) -> None:
    gateway = gateway_on(engine)
    seen: dict[str, int] = {}

    def noting(name: str) -> Callable[[CommandRunner], Awaitable[object]]:
        async def body(_commands: CommandRunner) -> object:
            seen[name] = gateway.requests_writing
            return None

        return body

    await gateway.handle_run(noting("request"), context("k-1"), source="test")
    await gateway.run(noting("loop"), context("k-2"), channel="timer")
    assert seen == {"request": 1, "loop": 0}
    assert gateway.requests_writing == 0
