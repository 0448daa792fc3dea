"""The event store's contract, run against every backend (see test_event_store_*.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from acikkapi_shared.clock import ManualClock
from acikkapi_shared.events.envelope import NewEvent
from acikkapi_shared.eventstore.database import create_engine, migrate
from acikkapi_shared.eventstore.errors import ConcurrencyConflict
from acikkapi_shared.eventstore.store import SqlAlchemyEventStore

START = datetime(2026, 5, 22, 11, 0, tzinfo=UTC)


def new_event(kind: str, correlation: str = "2026-000001-A", **payload: object) -> NewEvent:
    return NewEvent(type=kind, payload=dict(payload), correlation_id=correlation, occurred_at=START)


class EventStoreContract:
    """Subclasses provide `database_url`; every test here must pass on every backend."""

    @pytest.fixture
    def database_url(self) -> str:
        raise NotImplementedError  # each backend's subclass overrides this fixture

    @pytest.fixture
    async def engine(self, database_url: str) -> AsyncIterator[AsyncEngine]:
        engine = create_engine(database_url)
        await migrate(engine)
        yield engine
        await engine.dispose()

    @pytest.fixture
    def clock(self) -> ManualClock:
        return ManualClock(START)

    @pytest.fixture
    def store(self, clock: ManualClock) -> SqlAlchemyEventStore:
        return SqlAlchemyEventStore("intake", clock)

    async def test_appends_and_loads_a_stream_in_version_order(
        self, engine: AsyncEngine, store: SqlAlchemyEventStore
    ) -> None:
        async with engine.begin() as connection:
            first = await store.append(connection, "case-1", 0, [new_event("A", n=1)])
            second = await store.append(connection, "case-1", 1, [new_event("B"), new_event("C")])
        async with engine.connect() as connection:
            loaded = await store.load_stream(connection, "case-1")
        assert [e.type for e in loaded] == ["A", "B", "C"]
        assert [e.stream_version for e in loaded] == [1, 2, 3]
        assert loaded[0].payload == {"n": 1}
        assert loaded == [*first, *second]
        assert loaded[0].occurred_at == START and loaded[0].occurred_at.tzinfo is not None

    async def test_stale_writer_gets_a_conflict_and_nothing_is_written(
        self, engine: AsyncEngine, store: SqlAlchemyEventStore
    ) -> None:
        async with engine.begin() as connection:
            await store.append(connection, "case-1", 0, [new_event("A")])
        with pytest.raises(ConcurrencyConflict) as raised:
            async with engine.begin() as connection:
                await store.append(connection, "case-1", 0, [new_event("Stale")])
        assert raised.value.expected_version == 0 and raised.value.actual_version == 1
        async with engine.connect() as connection:
            assert [e.type for e in await store.load_stream(connection, "case-1")] == ["A"]

    async def test_concurrent_appends_to_one_stream_one_wins(
        self, database_url: str, engine: AsyncEngine, store: SqlAlchemyEventStore
    ) -> None:
        # Two engines = two independent writers, as two service instances would be.
        engines = [create_engine(database_url) for _ in range(2)]
        barrier = asyncio.Barrier(2)

        async def writer(index: int) -> str:
            async with engines[index].connect() as connection:
                version = await store.stream_version(connection, "case-9")
                await connection.rollback()
            await barrier.wait()
            try:
                async with engines[index].begin() as connection:
                    await store.append(connection, "case-9", version, [new_event(f"W{index}")])
                return "won"
            except ConcurrencyConflict:
                return "conflict"

        try:
            outcomes = sorted(await asyncio.gather(writer(0), writer(1)))
        finally:
            for extra in engines:
                await extra.dispose()
        assert outcomes == ["conflict", "won"]
        async with engine.connect() as connection:
            assert len(await store.load_stream(connection, "case-9")) == 1

    async def test_global_positions_increase_in_commit_order(
        self, engine: AsyncEngine, store: SqlAlchemyEventStore
    ) -> None:
        async with engine.begin() as connection:
            for index in range(5):
                await store.append(connection, f"case-{index}", 0, [new_event("A")])
        async with engine.connect() as connection:
            events = await store.read_after(connection, 0, 100)
            assert [e.stream_id for e in events] == [f"case-{i}" for i in range(5)]
            positions = [e.position for e in events]
            assert positions == sorted(positions) and len(set(positions)) == 5
            assert await store.read_after(connection, positions[2], 100) == events[3:]
            assert await store.head_position(connection) == positions[-1]

    async def test_a_typed_read_passes_over_other_types_and_reaches_the_head(
        self, engine: AsyncEngine, store: SqlAlchemyEventStore
    ) -> None:
        kinds = ["Private", "Public", "Private", "Private", "Public", "Private", "Private"]
        async with engine.begin() as connection:
            for index, kind in enumerate(kinds):
                await store.append(connection, f"case-{index}", 0, [new_event(kind, n=index)])
        public = frozenset({"Public"})
        async with engine.connect() as connection:
            every = await store.read_after(connection, 0, 100)
            found, reached, more = await store.read_types_after(connection, 0, 100, public)
            assert [e.payload for e in found] == [{"n": 1}, {"n": 4}] and not more
            assert reached == every[-1].position  # past the private tail: it is never read again
            assert await store.read_types_after(connection, reached, 100, public) == ([], reached, False)
            # A limit stops at the last row read; reading on from there finds the rest, none twice.
            first, reached_first, more_first = await store.read_types_after(connection, 0, 1, public)
            assert [e.payload for e in first] == [{"n": 1}] and more_first
            rest, reached_rest, _ = await store.read_types_after(connection, reached_first, 100, public)
            assert [e.payload for e in rest] == [{"n": 4}] and reached_rest == reached
            assert found[0] == (await store.read_after(connection, 0, 100, stored=True))[1]

    async def test_reader_never_skips_an_event_that_commits_late(
        self, database_url: str, engine: AsyncEngine, store: SqlAlchemyEventStore
    ) -> None:
        slow_engine = create_engine(database_url)
        try:
            slow = await slow_engine.connect()
            transaction = await slow.begin()
            await store.append(slow, "slow-case", 0, [new_event("Slow")])

            async def fast_append() -> None:
                async with engine.begin() as connection:
                    await store.append(connection, "fast-case", 0, [new_event("Fast")])

            fast = asyncio.create_task(fast_append())
            await asyncio.sleep(0.3)  # give the fast writer every chance to overtake
            reader_engine = create_engine(database_url, read_only=True)
            async with reader_engine.connect() as reader:
                seen_before_commit = [e.type for e in await store.read_after(reader, 0, 100)]
            await reader_engine.dispose()
            await transaction.commit()
            await slow.close()
            await asyncio.wait_for(fast, timeout=10)
        finally:
            await slow_engine.dispose()
        async with engine.connect() as reader:
            final = [e.type for e in await store.read_after(reader, 0, 100)]
        # Whatever a tailing reader saw early is a prefix of the final order: nothing skipped.
        assert final == ["Slow", "Fast"]
        assert final[: len(seen_before_commit)] == seen_before_commit

    async def test_reads_all_events_of_an_application_by_correlation(
        self, engine: AsyncEngine, store: SqlAlchemyEventStore, clock: ManualClock
    ) -> None:
        async with engine.begin() as connection:
            await store.append(connection, "case-1", 0, [new_event("A", "app-1")])
            clock.advance(timedelta(seconds=5))
            await store.append(connection, "other", 0, [new_event("X", "app-2")])
            await store.append(connection, "case-1", 1, [new_event("B", "app-1")])
        async with engine.connect() as connection:
            events = await store.read_correlated(connection, ["app-1"])
        assert [e.type for e in events] == ["A", "B"]
        assert events[1].recorded_at == START + timedelta(seconds=5)

    async def test_metadata_is_stored_with_each_event(
        self, engine: AsyncEngine, store: SqlAlchemyEventStore
    ) -> None:
        event = NewEvent(
            type="A",
            payload={},
            correlation_id="c",
            occurred_at=START,
            metadata={"actor": "officer:42", "idempotency_key": "k-1"},
        )
        async with engine.begin() as connection:
            (recorded,) = await store.append(connection, "s", 0, [event])
        async with engine.connect() as connection:
            (loaded,) = await store.load_stream(connection, "s")
        assert loaded.metadata == recorded.metadata == {"actor": "officer:42", "idempotency_key": "k-1"}

    async def test_the_codec_stands_between_the_stored_and_the_decoded_form(
        self, engine: AsyncEngine, clock: ManualClock
    ) -> None:
        class Reversing:
            def encode(self, event_type: str, payload: dict[str, Any]) -> dict[str, Any]:
                return {"secret": payload["name"][::-1]}

            def decode(self, event_type: str, stored: dict[str, Any]) -> dict[str, Any]:
                return {"name": stored["secret"][::-1]}

        store = SqlAlchemyEventStore("intake", clock, codec=Reversing())
        event = NewEvent(type="A", payload={"name": "Ayşe"}, correlation_id="c", occurred_at=START)
        async with engine.begin() as connection:
            (recorded,) = await store.append(connection, "s", 0, [event])
        async with engine.connect() as connection:
            (decoded,) = await store.load_stream(connection, "s")
            (stored,) = await store.read_after(connection, 0, 10, stored=True)
        assert recorded.payload == decoded.payload == {"name": "Ayşe"}
        assert stored.payload == {"secret": "eşyA"}

    async def test_migrating_twice_is_harmless(self, engine: AsyncEngine) -> None:
        await migrate(engine)
