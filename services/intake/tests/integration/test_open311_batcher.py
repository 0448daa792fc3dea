"""Open311's group commit (RunBatcher) on a real gateway and SQLite file: concurrent requests share
transactions, each is answered once and only after its commit is on disk, and the next group is
written while the previous group's fsync runs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from acikkapi_shared.clock import ManualClock
from acikkapi_shared.commands import CommandContext, CommandRunner
from acikkapi_shared.decider import Decider
from acikkapi_shared.events.base import EventPayload, EventTypes
from acikkapi_shared.eventstore.database import create_engine, migrate, reader_for
from acikkapi_shared.eventstore.schema import events
from acikkapi_shared.eventstore.store import SqlAlchemyEventStore
from acikkapi_shared.eventstore.unit_of_work import NoProjections
from acikkapi_shared.gateway import CommandGateway, CommandOutcome, GatewayRun, IdempotencyKeyReused
from acikkapi_shared.messaging.retry import Backoff
from intake.open311.batcher import RunBatcher

NOW = datetime(2026, 5, 22, 11, 0, tzinfo=UTC)


class Noted(EventPayload):
    text: str


@dataclass(frozen=True)
class Note:
    text: str


noting: Decider[None, Note] = Decider(
    name="note",
    initial=lambda _stream: None,
    evolve=lambda state, _event: state,
    decide=lambda command, _state: [Noted(text=command.text)],
    events=EventTypes([Noted]),
)


class GatedGateway(CommandGateway):
    """A gateway whose fsync (make_durable) waits for the test to open its gate, counting the calls."""

    def __init__(self, engine: AsyncEngine) -> None:
        clock = ManualClock(NOW)
        super().__init__(
            engine=engine,
            store=SqlAlchemyEventStore("test", clock),
            projector=NoProjections(),
            clock=clock,
            backoff=Backoff(first=0.001, most=0.01),
        )
        self.gate = asyncio.Event()
        self.gate.set()
        self.durable_calls = 0
        self.failing: OSError | None = None

    async def make_durable(self) -> None:
        self.durable_calls += 1
        await self.gate.wait()
        if self.failing is not None:
            raise self.failing
        await super().make_durable()


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'open311.db'}")
    await migrate(engine)
    yield engine
    await engine.dispose()


def run(key: str, text: str | None = None) -> GatewayRun:
    async def body(commands: CommandRunner) -> object:
        return await commands.execute(noting, f"note-{key}", Note(text or key))

    context = CommandContext(occurred_at=NOW, actor="integrator:test", idempotency_key=key)
    return GatewayRun(body, context, fingerprint=text or key)


async def noted(engine: AsyncEngine) -> list[str]:
    """The notes on disk, read beside the writer as any reader would."""
    reader = reader_for(engine.url.render_as_string(hide_password=False), engine)
    try:
        async with reader.connect() as connection:
            rows = await connection.execute(sa.select(events.c.payload).order_by(events.c.position))
            return [str(row.payload["text"]) for row in rows]
    finally:
        await reader.dispose()


async def until(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not condition():
        assert loop.time() < deadline, "condition not reached"
        await asyncio.sleep(0.01)


def texts(outcomes: Sequence[CommandOutcome]) -> list[str]:
    return [str(event.payload["text"]) for outcome in outcomes for event in outcome.events]


async def test_concurrent_requests_share_transactions_and_each_is_recorded_once(engine: AsyncEngine) -> None:
    gateway = GatedGateway(engine)
    batcher = RunBatcher(gateway, source="test", channel="open311")
    keys = [f"k-{i}" for i in range(40)]
    outcomes = await asyncio.gather(*(batcher.run(run(key)) for key in keys))
    assert texts(outcomes) == keys
    assert sorted(await noted(engine)) == sorted(keys)
    assert gateway.durable_calls < len(keys)  # one fsync (and one transaction) served several requests
    again = await batcher.run(run("k-7"))
    assert again.replayed and texts([again]) == ["k-7"] and len(await noted(engine)) == len(keys)


async def test_a_group_is_answered_after_its_fsync_and_the_next_group_is_written_meanwhile(
    engine: AsyncEngine,
) -> None:
    gateway = GatedGateway(engine)
    batcher = RunBatcher(gateway, source="test", channel="open311")
    gateway.gate.clear()  # every fsync waits
    first = asyncio.ensure_future(batcher.run(run("first")))
    await until(lambda: gateway.durable_calls == 1)  # committed, its fsync pending
    second = asyncio.ensure_future(batcher.run(run("second")))
    # The second group is committed while the first one's fsync still runs, and nobody is answered.
    await until(lambda: gateway.durable_calls == 2)
    assert await noted(engine) == ["first", "second"]
    assert not first.done() and not second.done()
    gateway.gate.set()
    assert texts(await asyncio.gather(first, second)) == ["first", "second"]


async def test_a_failed_fsync_fails_its_group_and_later_requests_are_written(engine: AsyncEngine) -> None:
    gateway = GatedGateway(engine)
    batcher = RunBatcher(gateway, source="test", channel="open311")
    gateway.failing = OSError(5, "Input/output error")
    with pytest.raises(OSError):
        await batcher.run(run("unsure"))  # committed, but not known to be on disk: not answered as done
    gateway.failing = None
    assert texts([await batcher.run(run("later"))]) == ["later"]
    # The client retries with its key: the committed registration is answered, not made twice.
    retried = await batcher.run(run("unsure"))
    assert retried.replayed and await noted(engine) == ["unsure", "later"]


async def test_a_key_reused_with_another_request_is_refused_in_its_group(engine: AsyncEngine) -> None:
    gateway = GatedGateway(engine)
    batcher = RunBatcher(gateway, source="test", channel="open311")
    await batcher.run(run("k", "one"))
    results = await asyncio.gather(
        batcher.run(run("k", "two")), batcher.run(run("other")), return_exceptions=True
    )
    assert isinstance(results[0], IdempotencyKeyReused)
    assert isinstance(results[1], CommandOutcome) and texts([results[1]]) == ["other"]
    assert await noted(engine) == ["one", "other"]
