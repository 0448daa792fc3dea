"""The unit of work (folds, buffered appends, exact roll-back), the command path's execute and batched
read-model writes, on real SQLite and PostgreSQL databases."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import pytest
import sqlalchemy as sa
from pydantic import AwareDatetime
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from acikkapi_shared.clock import ManualClock
from acikkapi_shared.commands import CommandContext, decide_on, execute, new_event
from acikkapi_shared.decider import CommandRejected, Decider
from acikkapi_shared.events.base import EventPayload, EventTypes
from acikkapi_shared.events.envelope import EventEnvelope, NewEvent
from acikkapi_shared.eventstore.database import create_engine, migrate
from acikkapi_shared.eventstore.errors import ConcurrencyConflict
from acikkapi_shared.eventstore.projection import (
    SET_NULL,
    Delete,
    Insert,
    TableProjector,
    Update,
    Write,
    WriteRule,
    on,
)
from acikkapi_shared.eventstore.replay import ensure_read_models
from acikkapi_shared.eventstore.schema import UtcDateTime
from acikkapi_shared.eventstore.state_cache import StateCache
from acikkapi_shared.eventstore.store import SqlAlchemyEventStore
from acikkapi_shared.eventstore.unit_of_work import StateNotKept, UnitOfWork

NOW = datetime(2026, 5, 22, 11, 0, tzinfo=UTC)
metadata = sa.MetaData()
cases = sa.Table(
    "cases",
    metadata,
    sa.Column("number", sa.String(40), primary_key=True),
    sa.Column("stage", sa.String(40)),
    sa.Column("institution", sa.String(40), nullable=True),
)


class Opened(EventPayload):
    pass


class Moved(EventPayload):
    stage: str
    institution: str | None = None


class Cleared(EventPayload):
    pass


class Closed(EventPayload):
    pass


def opened(_event: Opened, envelope: EventEnvelope) -> list[Write]:
    return [Insert(cases, {"number": envelope.stream_id, "stage": "OPEN", "institution": None})]


def moved(event: Moved, envelope: EventEnvelope) -> list[Write]:
    return [
        Update(cases, "number", envelope.stream_id, {"stage": event.stage, "institution": event.institution})
    ]


def cleared(_event: Cleared, envelope: EventEnvelope) -> list[Write]:
    return [Update(cases, "number", envelope.stream_id, {"stage": None, "institution": SET_NULL})]


def closed(_event: Closed, envelope: EventEnvelope) -> list[Write]:
    return [Delete(cases, "number", envelope.stream_id)]


class CaseProjector(TableProjector):
    metadata: ClassVar[sa.MetaData] = metadata
    rules: ClassVar[dict[str, WriteRule]] = dict(
        [on(Opened, opened), on(Moved, moved), on(Cleared, cleared), on(Closed, closed)]
    )


@dataclass(frozen=True)
class Move:
    stage: str


@dataclass(frozen=True)
class Case:
    opened: bool = False
    stage: str | None = None


def _evolve(state: Case, event: EventPayload) -> Case:
    if isinstance(event, Opened):
        return Case(opened=True, stage="OPEN")
    if isinstance(event, Moved):
        return Case(opened=True, stage=event.stage)
    return state


def _decide(command: Move, state: Case) -> Sequence[EventPayload]:
    if command.stage == state.stage:
        return []
    if command.stage == "BACK":
        raise CommandRejected("CANNOT_GO_BACK", "Başvuru geri alınamaz.")
    return [Moved(stage=command.stage)] if state.opened else [Opened(), Moved(stage=command.stage)]


case: Decider[Case, Move] = Decider(
    name="case", initial=lambda _s: Case(), evolve=_evolve, decide=_decide, events=EventTypes([Opened, Moved])
)
CONTEXT = CommandContext(occurred_at=NOW, actor="officer:7", idempotency_key="k-1", request_id="r-1")


def new(event: EventPayload) -> NewEvent:
    return NewEvent(type=event.TYPE, payload=event.to_payload(), correlation_id="c", occurred_at=NOW)


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


def work_on(connection: AsyncConnection) -> UnitOfWork:
    clock = ManualClock(NOW)
    return UnitOfWork(connection, SqlAlchemyEventStore("test", clock), CaseProjector(), clock)


async def rows(engine: AsyncEngine) -> dict[str, tuple[Any, Any]]:
    async with engine.connect() as connection:
        return {r.number: (r.stage, r.institution) for r in await connection.execute(sa.select(cases))}


async def test_appends_are_buffered_until_flush_and_versions_count_them(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        work = work_on(connection)
        work.append("a", 0, [new(Opened())])
        assert await work.stream_version("a") == 1
        assert await work.store.stream_version(connection, "a") == 0  # not written yet
        work.append("a", 1, [new(Moved(stage="ROUTED"))])
        recorded = await work.flush()
        assert [(e.stream_id, e.stream_version) for e in recorded] == [("a", 1), ("a", 2)]
        assert await work.store.stream_version(connection, "a") == 2


async def test_a_stale_append_conflicts_in_memory_or_at_flush(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        work = work_on(connection)
        work.append("a", 0, [new(Opened())])
        await work.flush()
    async with engine.begin() as connection:
        work = work_on(connection)
        assert await work.stream_version("a") == 1
        with pytest.raises(ConcurrencyConflict):
            work.append("a", 0, [new(Opened())])  # known version: caught at once
    with pytest.raises(ConcurrencyConflict):
        async with engine.begin() as connection:
            work = work_on(connection)
            work.append("a", 0, [new(Opened())])  # unseen version: the unique index catches it
            await work.flush()


async def test_execute_folds_decides_appends_and_stores_the_context(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        work = work_on(connection)
        first = await execute(work, case, "a", Move("ROUTED"), CONTEXT)
        again = await execute(work, case, "a", Move("ROUTED"), CONTEXT)  # state kept: nothing new
        later = await execute(work, case, "a", Move("ANSWERED"), CONTEXT)
        recorded = await work.flush()
    assert [e.TYPE for e in first] == ["Opened", "Moved"] and again == [] and len(later) == 1
    assert [e.stream_version for e in recorded] == [1, 2, 3]
    assert recorded[0].metadata == {"actor": "officer:7", "idempotency_key": "k-1", "request_id": "r-1"}
    async with engine.begin() as connection:
        work = work_on(connection)
        folded = await work.folded(case, "a")  # a new transaction folds the stored stream
        assert (folded.state, folded.version) == (Case(opened=True, stage="ANSWERED"), 3)


async def test_a_rejected_command_appends_nothing(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        work = work_on(connection)
        with pytest.raises(CommandRejected) as rejected:
            await execute(work, case, "a", Move("BACK"), CONTEXT)
        assert rejected.value.code == "CANNOT_GO_BACK" and await work.flush() == []


async def test_rolling_back_to_a_mark_drops_later_appends_and_folds_exactly(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        work = work_on(connection)
        await execute(work, case, "a", Move("ROUTED"), CONTEXT)
        mark = work.checkpoint()
        await execute(work, case, "a", Move("ANSWERED"), CONTEXT)
        await execute(work, case, "b", Move("ROUTED"), CONTEXT)
        work.roll_back_to(mark)
        assert (await work.folded(case, "a")).state.stage == "ROUTED"
        assert [(e.stream_id, e.type) for e in await work.flush()] == [("a", "Opened"), ("a", "Moved")]
        assert await work.stream_version("b") == 0


async def test_a_later_mark_and_then_an_earlier_one_are_rolled_back_to_exactly(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        work = work_on(connection)
        first = work.checkpoint()
        await execute(work, case, "a", Move("ROUTED"), CONTEXT)
        second = work.checkpoint()
        await execute(work, case, "a", Move("ANSWERED"), CONTEXT)
        work.roll_back_to(second)
        assert (await work.folded(case, "a")).version == 2
        await execute(work, case, "b", Move("ROUTED"), CONTEXT)
        work.roll_back_to(first)
        assert await work.stream_version("a") == 0 and await work.stream_version("b") == 0
        assert await work.flush() == []


async def test_prefetched_streams_fold_without_more_queries(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        work = work_on(connection)
        await execute(work, case, "a", Move("ROUTED"), CONTEXT)
        await work.flush()
    statements: list[str] = []
    sa.event.listen(engine.sync_engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    async with engine.begin() as connection:
        work = work_on(connection)
        await work.prefetch(["a", "b"])
        statements.clear()
        assert (await work.folded(case, "a")).version == 2 and (await work.folded(case, "b")).version == 0
        assert statements == []


async def test_writes_run_in_few_statements_and_keep_their_order(engine: AsyncEngine) -> None:
    statements: list[str] = []
    sa.event.listen(
        engine.sync_engine, "before_cursor_execute", lambda *args: statements.append(args[2].split()[0])
    )
    async with engine.begin() as connection:
        work = work_on(connection)
        for number in ("1", "2", "3", "4"):
            work.append(number, 0, [new(Opened())])
        work.append("1", 1, [new(Moved(stage="ROUTED", institution="SAGLIK"))])
        work.append("1", 2, [new(Moved(stage="ANSWERED"))])  # institution None: kept
        work.append("2", 1, [new(Moved(stage="ROUTED", institution="MEM"))])
        work.append("2", 2, [new(Cleared())])  # a different shape after the first: order must hold
        work.append("3", 1, [new(Closed())])
        work.append("4", 1, [new(Closed())])
        statements.clear()
        await work.flush()
    assert statements.count("INSERT") == 2  # the events, then the four case rows
    assert statements.count("DELETE") == 1  # two deletes in one executemany
    assert await rows(engine) == {"1": ("ANSWERED", "SAGLIK"), "2": ("ROUTED", None)}


async def test_a_changed_projector_version_rebuilds_its_tables_from_the_log(engine: AsyncEngine) -> None:
    clock = ManualClock(NOW)
    store = SqlAlchemyEventStore("test", clock)
    async with engine.begin() as connection:
        work = work_on(connection)
        await execute(work, case, "a", Move("ROUTED"), CONTEXT)
        await work.flush()
    assert await ensure_read_models(engine, store, CaseProjector(), clock) == 2  # never built: built now
    assert await ensure_read_models(engine, store, CaseProjector(), clock) is None  # current: untouched

    class Renamed(CaseProjector):
        VERSION = "2"

        @property
        def name(self) -> str:
            return "CaseProjector"

    async with engine.begin() as connection:
        await connection.execute(sa.delete(cases))  # as if the old version had lost its rows
    assert await ensure_read_models(engine, store, Renamed(), clock) == 2
    assert await rows(engine) == {"a": ("ROUTED", None)}


async def test_a_cached_state_is_used_while_its_stream_stays_at_its_version(engine: AsyncEngine) -> None:
    cache = StateCache()
    clock = ManualClock(NOW)
    store = SqlAlchemyEventStore("test", clock)

    def cached_work(connection: AsyncConnection) -> UnitOfWork:
        return UnitOfWork(connection, store, CaseProjector(), clock, cache)

    async with engine.begin() as connection:
        work = cached_work(connection)
        await execute(work, case, "a", Move("ROUTED"), CONTEXT)
        await work.flush()
    work.remember_folds()  # after the commit
    statements: list[str] = []
    sa.event.listen(engine.sync_engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    async with engine.begin() as connection:
        work = cached_work(connection)
        await work.prefetch(["a"])
        assert (await work.folded(case, "a")).state == Case(opened=True, stage="ROUTED")
    assert not any("FROM events" in s and "ORDER BY" in s for s in statements)  # no event was read
    async with engine.begin() as connection:  # another writer moves the stream: the cache is stale
        store_elsewhere = SqlAlchemyEventStore("test", clock)
        await store_elsewhere.append(connection, "a", 2, [new(Moved(stage="ANSWERED"))])
    async with engine.begin() as connection:
        work = cached_work(connection)
        await work.prefetch(["a"])
        assert (await work.folded(case, "a")).state == Case(opened=True, stage="ANSWERED")


async def test_a_decision_appended_without_its_state_is_neither_folded_again_nor_cached(
    engine: AsyncEngine,
) -> None:
    cache = StateCache()
    clock = ManualClock(NOW)
    store = SqlAlchemyEventStore("test", clock)
    ahead = decide_on(case, "a", Move("ROUTED"), CONTEXT, Case(), 0)
    async with engine.begin() as connection:
        work = UnitOfWork(connection, store, CaseProjector(), clock, cache)
        work.record_at(case, "a", 0, None, ahead.appended)
        with pytest.raises(StateNotKept):
            await work.folded(case, "a")
        assert await work.stream_version("a") == 2
        await work.flush()
    work.remember_folds()
    assert not cache.has_version("a", 2)
    assert await rows(engine) == {"a": ("ROUTED", None)}


def test_trusted_events_share_their_fields_set_and_a_copy_changes_only_its_own() -> None:
    first, second = (new_event(Moved(stage=stage), "a", CONTEXT) for stage in ("ROUTED", "ANSWERED"))
    assert first.model_fields_set is second.model_fields_set == set(NewEvent.model_fields)
    copied = first.model_copy(update={"correlation_id": "other"})
    assert copied.correlation_id == "other" and first.correlation_id == "a"
    assert second.model_fields_set == set(NewEvent.model_fields) and second.correlation_id == "a"


due = sa.Table(
    "due",
    sa.MetaData(),
    sa.Column("number", sa.String(40), primary_key=True),
    sa.Column("due_at", UtcDateTime, nullable=True),
)


class Due(EventPayload):
    at: AwareDatetime


class DueProjector(TableProjector):
    metadata: ClassVar[sa.MetaData] = due.metadata
    rules: ClassVar[dict[str, WriteRule]] = dict(
        [
            on(Opened, lambda _e, env: [Insert(due, {"number": env.stream_id, "due_at": None})]),
            on(Due, lambda e, env: [Update(due, "number", env.stream_id, {"due_at": e.at})]),
        ]
    )


async def test_an_updated_value_is_stored_as_its_column_type_stores_it(engine: AsyncEngine) -> None:
    # A time set by an Update must compare with a query's time as one set by an Insert does.
    clock = ManualClock(NOW)
    async with engine.begin() as connection:
        await connection.run_sync(DueProjector().create_tables)
        work = UnitOfWork(connection, SqlAlchemyEventStore("test", clock), DueProjector(), clock)
        work.append("1", 0, [new(Opened()), new(Due(at=NOW))])
        await work.flush()
    async with engine.connect() as connection:
        found = await connection.execute(sa.select(due.c.number).where(due.c.due_at >= NOW))
        assert [row.number for row in found] == ["1"]
