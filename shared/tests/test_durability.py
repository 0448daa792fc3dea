"""Commits are on disk before anyone is told: SQLite's WAL is fsynced after each write transaction, once
for all the commits that wait together, and the relay never publishes an event before that sync."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Awaitable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from acikkapi_shared.clock import ManualClock
from acikkapi_shared.events.envelope import NewEvent
from acikkapi_shared.eventstore.database import checkpoints_deferred, create_engine
from acikkapi_shared.eventstore.durability import WalSync, transaction, wal_sync_for
from acikkapi_shared.eventstore.relay import OutboxRelay
from acikkapi_shared.eventstore.store import SqlAlchemyEventStore
from acikkapi_shared.testing.fakes import RecordingPublisher

NOW = datetime(2026, 5, 22, 11, 0, tzinfo=UTC)


class FsyncSpy:
    """Records the file behind every fsync and what the WAL held at that moment."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.files: list[str] = []
        self.wal_sizes: list[int] = []
        real = os.fsync

        def spy(descriptor: int) -> None:
            name = os.readlink(f"/proc/self/fd/{descriptor}")
            self.files.append(name)
            if name.endswith("-wal"):
                self.wal_sizes.append(os.fstat(descriptor).st_size)
            real(descriptor)

        monkeypatch.setattr(os, "fsync", spy)


@pytest.fixture
def engine(sqlite_engine: AsyncEngine) -> AsyncEngine:
    return sqlite_engine


async def append_one(connection: object, store: SqlAlchemyEventStore, stream: str) -> None:
    event = NewEvent(type="Public", payload={}, correlation_id=stream, occurred_at=NOW)
    await store.append(connection, stream, 0, [event])  # type: ignore[arg-type]


async def test_sqlite_runs_wal_and_leaves_the_sync_to_the_write_paths(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        assert (await connection.exec_driver_sql("PRAGMA synchronous")).scalar() == 1  # NORMAL
        assert (await connection.exec_driver_sql("PRAGMA journal_mode")).scalar() == "wal"


async def test_a_transaction_returns_only_once_its_commit_is_fsynced(
    engine: AsyncEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = FsyncSpy(monkeypatch)
    store = SqlAlchemyEventStore("intake", ManualClock(NOW))
    wal = tmp_path / "service.db-wal"
    async with transaction(engine) as connection:
        await append_one(connection, store, "s-1")
    size_after_commit = wal.stat().st_size
    # The WAL was synced after the commit wrote its frames (it held them all), and the directory
    # entry of the new WAL file was synced once.
    assert spy.files.count(str(wal)) == 1
    assert spy.wal_sizes == [size_after_commit]
    assert spy.files.count(str(tmp_path)) == 1
    async with transaction(engine) as connection:
        await append_one(connection, store, "s-2")
    assert spy.files.count(str(wal)) == 2
    assert spy.files.count(str(tmp_path)) == 1  # same WAL file: its name is on disk already


async def test_a_transaction_that_fails_is_not_synced_and_raises(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = FsyncSpy(monkeypatch)
    with pytest.raises(RuntimeError):
        async with transaction(engine):
            raise RuntimeError("rolled back")
    assert spy.files == []


async def test_commits_waiting_together_share_one_fsync_and_none_returns_before_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sync = WalSync(tmp_path / "x.db")
    committed: list[int] = []
    covered: list[set[int]] = []  # per finished fsync: the commits made before it started
    lock = threading.Lock()

    def slow_fsync() -> None:
        with lock:
            seen = set(committed)
        time.sleep(0.02)
        covered.append(seen)

    monkeypatch.setattr(sync, "_fsync", slow_fsync)

    async def commit_and_sync(index: int) -> None:
        await asyncio.sleep(index * 0.003)
        with lock:
            committed.append(index)
        await sync.sync()
        assert any(index in seen for seen in covered), f"commit {index} returned before an fsync covered it"

    await asyncio.gather(*(commit_and_sync(index) for index in range(40)))
    assert len(covered) < 20  # 40 commits over ~0.12 s, fsyncs of 20 ms: they were grouped
    assert set().union(*covered) == set(range(40))


async def test_the_relay_publishes_only_what_is_on_disk(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = SqlAlchemyEventStore("intake", ManualClock(NOW))
    async with engine.begin() as connection:  # committed, not yet synced (as mid-transaction())
        await append_one(connection, store, "s-1")
    found = wal_sync_for(engine)
    assert found is not None
    sync: WalSync = found
    synced_before = sync.fsyncs
    fsyncs_at_send: list[int] = []

    class CheckingPublisher(RecordingPublisher):
        async def send(
            self, topic: str, key: bytes, value: bytes, headers: dict[str, str]
        ) -> Awaitable[object]:
            fsyncs_at_send.append(sync.fsyncs)
            return await super().send(topic, key, value, headers)

    relay = OutboxRelay(engine, store, CheckingPublisher(), "t", publishes=frozenset({"Public"}))
    assert await relay.publish_pending() == 1
    assert fsyncs_at_send == [synced_before + 1]


async def test_memory_databases_need_no_sync(tmp_path: Path) -> None:
    memory = create_async_engine("sqlite+aiosqlite://")
    try:
        assert wal_sync_for(memory) is None
    finally:
        await memory.dispose()


async def test_commits_in_a_deferral_leave_the_wal_for_the_first_commit_after_it(tmp_path: Path) -> None:
    database = tmp_path / "d.db"
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    try:
        async with engine.begin() as connection:
            await connection.exec_driver_sql("CREATE TABLE pages (body BLOB)")
        size = database.stat().st_size
        many = [(os.urandom(1024),) for _ in range(6_000)]  # ~1,500 WAL pages: past the threshold
        async with checkpoints_deferred(engine):
            async with engine.begin() as connection:
                await connection.exec_driver_sql("INSERT INTO pages VALUES (?)", many)
            assert database.stat().st_size == size  # all of it still in the WAL only
        async with engine.begin() as connection:
            await connection.exec_driver_sql("INSERT INTO pages VALUES (?)", [(b"x",)])
        assert database.stat().st_size > size + 6_000 * 1024  # checkpointed by that commit
    finally:
        await engine.dispose()
