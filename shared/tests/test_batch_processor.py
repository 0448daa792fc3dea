"""The batch processor's guarantees, on real SQLite and PostgreSQL databases (no broker needed)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from acikkapi_shared.clock import ManualClock
from acikkapi_shared.events.envelope import NewEvent
from acikkapi_shared.eventstore.database import create_engine, migrate
from acikkapi_shared.eventstore.errors import ConcurrencyConflict
from acikkapi_shared.eventstore.store import SqlAlchemyEventStore
from acikkapi_shared.eventstore.unit_of_work import NoProjections, UnitOfWork
from acikkapi_shared.messaging.inbound import InboundMessage, PoisonMessage
from acikkapi_shared.messaging.processor import DEAD_LETTER_EVENT, BatchProcessor

NOW = datetime(2026, 5, 22, 11, 0, tzinfo=UTC)


class RecordingHandler:
    """Appends one event per message keyed by its body; fails as told."""

    def __init__(self) -> None:
        self.transient_failures = 0
        self.crash_on: bytes | None = None

    def message_key(self, message: InboundMessage) -> str:
        return (message.value or b"").decode()

    async def __call__(self, work: UnitOfWork, message: InboundMessage) -> None:
        body = (message.value or b"").decode()
        if body == "poison":
            raise PoisonMessage("cannot be applied")
        if message.value == self.crash_on:
            raise RuntimeError("a bug in the handler")
        if self.transient_failures:
            self.transient_failures -= 1
            raise ConcurrencyConflict("s", 0, 1)
        event = NewEvent(type="Seen", payload={"body": body}, correlation_id=body, occurred_at=NOW)
        await work.append(f"stream-{body}", 0, [event])


def message(body: str, offset: int) -> InboundMessage:
    return InboundMessage(topic="in", partition=0, offset=offset, key=None, value=body.encode())


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'p.db'}"
    else:
        url = request.getfixturevalue("postgres_database_url")
    engine = create_engine(url)
    await migrate(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
def handler() -> RecordingHandler:
    return RecordingHandler()


@pytest.fixture
def dead_letters() -> list[tuple[str, str]]:
    return []


@pytest.fixture
def processor(
    engine: AsyncEngine, handler: RecordingHandler, dead_letters: list[tuple[str, str]]
) -> BatchProcessor:
    async def sink(msg: InboundMessage, reason: str) -> None:
        dead_letters.append((msg.source, reason))

    clock = ManualClock(NOW)
    return BatchProcessor(
        consumer="test",
        engine=engine,
        store=SqlAlchemyEventStore("test", clock),
        projector=NoProjections(),
        clock=clock,
        handlers={"in": handler},
        dead_letter_sink=sink,
        retry_delays=(0.001, 0.01),
    )


async def seen(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as connection:
        rows = await connection.execute(sa.text("SELECT type, correlation_id FROM events ORDER BY position"))
        return [f"{row.type}:{row.correlation_id}" for row in rows]


async def test_a_redelivered_batch_has_no_second_effect(
    processor: BatchProcessor, engine: AsyncEngine
) -> None:
    batch = [message("a", 0), message("b", 1)]
    await processor.process(batch)
    await processor.process(batch)
    await processor.process([message("a", 7)])  # the same message re-published at another offset
    assert await seen(engine) == ["Seen:a", "Seen:b"]


async def test_a_duplicate_inside_one_batch_is_applied_once(
    processor: BatchProcessor, engine: AsyncEngine
) -> None:
    await processor.process([message("a", 0), message("a", 1)])
    assert await seen(engine) == ["Seen:a"]


async def test_poison_is_recorded_and_dead_lettered_and_the_rest_applied(
    processor: BatchProcessor, engine: AsyncEngine, dead_letters: list[tuple[str, str]]
) -> None:
    await processor.process([message("a", 0), message("poison", 1), message("b", 2)])
    assert await seen(engine) == ["Seen:a", f"{DEAD_LETTER_EVENT}:dead-letter:in/0/1", "Seen:b"]
    assert dead_letters == [("in/0/1", "cannot be applied")]


async def test_transient_failures_are_retried_until_the_batch_applies(
    processor: BatchProcessor, handler: RecordingHandler, engine: AsyncEngine
) -> None:
    handler.transient_failures = 2
    await processor.process([message("a", 0)])
    assert await seen(engine) == ["Seen:a"]


async def test_a_handler_bug_sets_aside_only_the_culprit(
    processor: BatchProcessor,
    handler: RecordingHandler,
    engine: AsyncEngine,
    dead_letters: list[tuple[str, str]],
) -> None:
    handler.crash_on = b"bad"
    await processor.process([message("a", 0), message("bad", 1), message("b", 2)])
    assert await seen(engine) == ["Seen:a", f"{DEAD_LETTER_EVENT}:dead-letter:in/0/1", "Seen:b"]
    assert dead_letters[0][0] == "in/0/1" and "a bug in the handler" in dead_letters[0][1]


async def test_a_conflict_that_never_clears_is_set_aside_not_retried_forever(
    processor: BatchProcessor,
    handler: RecordingHandler,
    engine: AsyncEngine,
    dead_letters: list[tuple[str, str]],
) -> None:
    handler.transient_failures = 10_000  # every attempt conflicts
    await processor.process([message("a", 0)])
    assert dead_letters and dead_letters[0][0] == "in/0/0" and "conflict persisted" in dead_letters[0][1]
    assert await seen(engine) == [f"{DEAD_LETTER_EVENT}:dead-letter:in/0/0"]
