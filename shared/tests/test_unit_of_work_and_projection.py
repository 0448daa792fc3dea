"""The buffered unit of work and batched read-model writes, on real SQLite and PostgreSQL databases."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from acikkapi_shared.clock import ManualClock
from acikkapi_shared.events.envelope import EventEnvelope, NewEvent
from acikkapi_shared.eventstore.database import create_engine, migrate
from acikkapi_shared.eventstore.errors import ConcurrencyConflict
from acikkapi_shared.eventstore.projection import Insert, TableProjector, Update, Write, WriteRule
from acikkapi_shared.eventstore.store import SqlAlchemyEventStore
from acikkapi_shared.eventstore.unit_of_work import UnitOfWork

NOW = datetime(2026, 5, 22, 11, 0, tzinfo=UTC)
metadata = sa.MetaData()
cases = sa.Table(
    "cases",
    metadata,
    sa.Column("number", sa.String, primary_key=True),
    sa.Column("stage", sa.String),
    sa.Column("institution", sa.String, nullable=True),
)


def opened(event: EventEnvelope) -> list[Write]:
    return [Insert(cases, {"number": event.stream_id, "stage": "OPEN", "institution": None})]


def moved(event: EventEnvelope) -> list[Write]:
    values = {"stage": event.payload["stage"], "institution": event.payload.get("institution")}
    return [Update(cases, "number", event.stream_id, values)]


class CaseProjector(TableProjector):
    metadata: ClassVar[sa.MetaData] = metadata
    rules: ClassVar[dict[str, WriteRule]] = {"Opened": opened, "Moved": moved}


def new(kind: str, **payload: Any) -> NewEvent:
    return NewEvent(type=kind, payload=payload, correlation_id="c", occurred_at=NOW)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'w.db'}"
    else:
        url = request.getfixturevalue("postgres_database_url")
    engine = create_engine(url)
    await migrate(engine)
    async with engine.begin() as connection:
        await connection.run_sync(CaseProjector().create_tables)
    yield engine
    await engine.dispose()


def work_on(connection: Any) -> UnitOfWork:
    clock = ManualClock(NOW)
    return UnitOfWork(connection, SqlAlchemyEventStore("test", clock), CaseProjector(), clock)


async def test_appends_are_buffered_until_flush_and_versions_count_them(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        work = work_on(connection)
        await work.append("a", 0, [new("Opened")])
        assert await work.stream_version("a") == 1
        assert await work.store.stream_version(connection, "a") == 0  # not written yet
        await work.append("a", 1, [new("Moved", stage="ROUTED")])
        recorded = await work.flush()
        assert [(e.stream_id, e.stream_version) for e in recorded] == [("a", 1), ("a", 2)]
        assert await work.store.stream_version(connection, "a") == 2


async def test_a_stale_append_conflicts_in_memory_or_at_flush(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        work = work_on(connection)
        await work.append("a", 0, [new("Opened")])
        await work.flush()
    async with engine.begin() as connection:
        work = work_on(connection)
        assert await work.stream_version("a") == 1
        with pytest.raises(ConcurrencyConflict):
            await work.append("a", 0, [new("Opened")])  # known version: caught at once
    with pytest.raises(ConcurrencyConflict):
        async with engine.begin() as connection:
            work = work_on(connection)
            await work.append("a", 0, [new("Opened")])  # unseen version: the unique index catches it
            await work.flush()


async def test_loading_a_stream_sees_its_buffered_events(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        work = work_on(connection)
        await work.append("a", 0, [new("Opened")])
        assert [e.type for e in await work.load("a")] == ["Opened"]


async def test_rolling_back_to_a_mark_drops_later_appends(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        work = work_on(connection)
        await work.append("a", 0, [new("Opened")])
        mark = work.checkpoint()
        await work.append("b", 0, [new("Opened")])
        work.roll_back_to(mark)
        assert [e.stream_id for e in await work.flush()] == ["a"]
        assert await work.stream_version("b") == 0


async def test_writes_run_in_few_statements_and_keep_their_meaning(engine: AsyncEngine) -> None:
    statements: list[str] = []
    sa.event.listen(
        engine.sync_engine, "before_cursor_execute", lambda *args: statements.append(args[2].split()[0])
    )
    async with engine.begin() as connection:
        work = work_on(connection)
        for number in ("1", "2", "3"):
            await work.append(number, 0, [new("Opened")])
        await work.append("1", 1, [new("Moved", stage="ROUTED", institution="SAGLIK")])
        await work.append("1", 2, [new("Moved", stage="ANSWERED")])  # institution None: kept
        await work.append("2", 1, [new("Moved", stage="ROUTED", institution="MEM")])
        statements.clear()
        await work.flush()
    assert statements.count("INSERT") == 2  # the events, then the three case rows
    assert statements.count("UPDATE") == 1  # three updates in one executemany
    async with engine.connect() as connection:
        rows = {r.number: (r.stage, r.institution) for r in await connection.execute(sa.select(cases))}
    assert rows == {"1": ("ANSWERED", "SAGLIK"), "2": ("ROUTED", "MEM"), "3": ("OPEN", None)}


async def test_prefetched_streams_answer_versions_and_loads_without_more_queries(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        work = work_on(connection)
        await work.append("a", 0, [new("Opened")])
        await work.flush()
    statements: list[str] = []
    sa.event.listen(
        engine.sync_engine, "before_cursor_execute", lambda *args: statements.append(args[2].split()[0])
    )
    async with engine.begin() as connection:
        work = work_on(connection)
        await work.prefetch(["a", "b"])
        statements.clear()
        assert (await work.stream_version("a"), await work.stream_version("b")) == (1, 0)
        assert [e.type for e in await work.load("a")] == ["Opened"]
        assert statements == []
        await work.append("a", 1, [new("Moved", stage="ROUTED")])
        assert [e.type for e in await work.load("a")] == ["Opened", "Moved"]  # flushed, cache kept
