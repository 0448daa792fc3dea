"""Commits that are on disk before anyone is told: write transactions and the barrier before an effect.

PostgreSQL: a commit returns once its WAL record is flushed (`synchronous_commit` left at its default,
`on`), so `make_durable` has nothing to do.

SQLite runs in WAL mode with `synchronous=NORMAL`: a commit writes its frames to the `-wal` file and
returns without syncing it, which survives a process crash but not a power loss or an OS crash. The
sync that `synchronous=FULL` would do inside every commit, holding the one write lock while the disk
works, is done here instead, after the commit and outside the lock: `make_durable` fsyncs the WAL file
(and, once per new WAL file, its directory). One fsync covers every commit made before it started, so
concurrent committers of a process share it (a group commit) and the next writer never waits for it.

Why that is enough: with `synchronous=NORMAL` SQLite syncs the WAL before each checkpoint, syncs the
database file after each completed checkpoint and syncs the WAL header when it starts reusing the file,
so a committed transaction is at every moment in the database file (synced) or in the WAL (synced by
us). A WAL file that is gone was checkpointed into the database file and synced when its last
connection closed. Recovery replays the WAL's committed frames (checksummed) after a power loss.

Callers: `transaction()` makes the commit durable before it returns (the batch processor before its
offsets are committed, the gateway before it answers); the relay calls `make_durable` before it
publishes events it read, since their committer's sync may still be running.
"""

from __future__ import annotations

import asyncio
import os
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

_SKIP = frozenset({"", ":memory:"})


class WalSync:
    """Group fsync of one SQLite database's WAL file: `sync()` returns once every commit that returned
    before it was called is on disk."""

    def __init__(self, database: Path) -> None:
        self._wal = database.with_name(database.name + "-wal")
        self._directory = database.parent
        self._lock = asyncio.Lock()
        self._requested = 0
        self._completed = 0
        self._synced_file: tuple[int, int] | None = None  # (device, inode) whose directory entry is synced
        self.fsyncs = 0  # how many fsyncs ran (for tests and curiosity)

    async def sync(self) -> None:
        self._requested += 1
        ticket = self._requested
        async with self._lock:
            if self._completed >= ticket:
                return  # an fsync that started after this call covered it
            target = self._requested
            await asyncio.to_thread(self._fsync)
            self._completed = target

    def _fsync(self) -> None:
        try:
            descriptor = os.open(self._wal, os.O_RDONLY)
        except FileNotFoundError:
            return  # checkpointed into the database file and synced when the last connection closed
        try:
            os.fsync(descriptor)
            status = os.fstat(descriptor)
        finally:
            os.close(descriptor)
        self.fsyncs += 1
        identity = (status.st_dev, status.st_ino)
        if identity != self._synced_file:
            # A WAL file created since the last look: its name must survive a power loss too.
            directory = os.open(self._directory, os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)
            self._synced_file = identity


# Per event loop (a WalSync's lock belongs to one), per database file.
_syncs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[Path, WalSync]]
_syncs = weakref.WeakKeyDictionary()


# The file each engine writes, resolved once (resolving costs a stat per path part, on every commit).
_files: weakref.WeakKeyDictionary[AsyncEngine, Path | None] = weakref.WeakKeyDictionary()


def _database_file(engine: AsyncEngine) -> Path | None:
    if engine in _files:
        return _files[engine]
    database = engine.url.database or ""
    path = None
    if engine.dialect.name == "sqlite" and database not in _SKIP and not database.startswith("file:"):
        path = Path(database).resolve()
    _files[engine] = path
    return path


def wal_sync_for(engine: AsyncEngine) -> WalSync | None:
    """Returns the WAL sync of the engine's SQLite file (one per file in the process), None elsewhere."""
    path = _database_file(engine)
    if path is None:
        return None
    of_loop = _syncs.setdefault(asyncio.get_running_loop(), {})
    sync = of_loop.get(path)
    if sync is None:
        sync = of_loop[path] = WalSync(path)
    return sync


async def make_durable(engine: AsyncEngine) -> None:
    """Returns once every transaction committed on the engine's database before the call is on disk."""
    sync = wal_sync_for(engine)
    if sync is not None:
        await sync.sync()


@asynccontextmanager
async def transaction(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A write transaction that is committed and on disk when the block is left without an error."""
    async with engine.begin() as connection:
        yield connection
    await make_durable(engine)
