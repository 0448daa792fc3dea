"""Engines for a service's database (SQLite file by default, PostgreSQL in production) and migrations."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from importlib import resources
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from acikkapi_shared.eventstore.sqlite_driver import DRIVER as ONE_HOP_DRIVER


def is_sqlite(engine: AsyncEngine) -> bool:
    """Returns whether the engine talks to SQLite."""
    return engine.dialect.name == "sqlite"


def create_engine(url: str, *, echo: bool = False, read_only: bool = False) -> AsyncEngine:
    """Returns an async engine; SQLite gets WAL, a busy timeout and one connection per process.

    A read-only engine (an auditor, a replay into another database) never takes SQLite's write lock.
    """
    if url.startswith("sqlite"):
        url = url.replace("sqlite+aiosqlite:", f"sqlite+{ONE_HOP_DRIVER}:", 1)
        # One connection serialises this process's writers, so SQLite never sees two at once;
        # readers (the relay, polls, HTTP reads, an auditor) get connections of their own, which WAL
        # lets read committed data while a writer works.
        engine = create_async_engine(url, echo=echo, pool_size=2 if read_only else 1, max_overflow=0)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin_deferred if read_only else _sqlite_begin)
        return engine
    return create_async_engine(url, echo=echo, pool_size=5, max_overflow=5, pool_pre_ping=True)


def reader_for(url: str, writer: AsyncEngine) -> AsyncEngine:
    """Returns the engine a service reads committed data with: on SQLite connections apart from the
    one writer, so reads never queue behind a write transaction; elsewhere the writer's own pool."""
    return create_engine(url, read_only=True) if url.startswith("sqlite") else writer


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the driver, issue BEGIN so transactions are real.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # NORMAL: a commit is written to the WAL but not synced inside the write lock; the write paths make
    # it durable before they tell anyone (offsets, relay, HTTP answers, SMS sends) with one shared
    # fsync outside the lock (eventstore/durability.py), which is what FULL would cost per commit.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(connection: sa.Connection) -> None:
    # IMMEDIATE takes the write lock up front: no deadlock when a reader later wants to write.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_begin_deferred(connection: sa.Connection) -> None:
    connection.exec_driver_sql("BEGIN")


SQLITE_AUTOCHECKPOINT = 1000  # SQLite's default: a commit leaving more WAL pages checkpoints them


@contextlib.asynccontextmanager
async def checkpoints_deferred(engine: AsyncEngine) -> AsyncIterator[None]:
    """SQLite: the engine's commits inside the block do not copy the WAL into the database file (a
    checkpoint, which SQLite otherwise runs in the commit that crosses SQLITE_AUTOCHECKPOINT pages);
    the first commit after it does. Elsewhere nothing changes.

    For a burst of large transactions that must commit at a moment: the checkpoint of a transaction
    of thousands of events took longer than the commit itself.
    """
    if not is_sqlite(engine):
        yield
        return
    await _autocheckpoint(engine, 0)
    try:
        yield
    finally:
        await _autocheckpoint(engine, SQLITE_AUTOCHECKPOINT)


async def _autocheckpoint(engine: AsyncEngine, pages: int) -> None:
    # A setting of the connection (the one writer's: SQLite engines have one), not of a transaction.
    async with engine.begin() as connection:
        await connection.exec_driver_sql(f"PRAGMA wal_autocheckpoint={int(pages)}")


async def migrate(engine: AsyncEngine) -> None:
    """Brings the event-log tables to the latest Alembic revision."""
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade)


def _upgrade(connection: sa.Connection) -> None:
    config = Config()
    location = resources.files("acikkapi_shared.eventstore").joinpath("migrations")
    config.set_main_option("script_location", str(location))
    config.attributes["connection"] = connection
    command.upgrade(config, "head")
