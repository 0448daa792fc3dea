"""The SQLite dialect the services use: each statement in one call on aiosqlite's thread, or none for
a small statement inside a transaction already begun (on the event loop's own thread)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from acikkapi_shared.eventstore.database import create_engine
from acikkapi_shared.eventstore.sqlite_driver import DRIVER

THINGS = sa.Table(
    "things",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(20), unique=True),
)


async def test_statements_run_in_one_call_each_with_their_rows_counts_and_errors(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'one-hop.db'}")
    assert engine.dialect.driver == DRIVER
    calls: list[Any] = []
    try:
        async with engine.begin() as connection:
            await connection.run_sync(THINGS.metadata.create_all)
            raw: Any = (await connection.get_raw_connection()).driver_connection
            original = raw._execute

            async def counted(fn: Any, *args: Any, **kwargs: Any) -> Any:
                calls.append(fn)
                return await original(fn, *args, **kwargs)

            raw._execute = counted
            inserted = await connection.execute(sa.insert(THINGS).values(name="a"))
            assert inserted.inserted_primary_key == (1,)
            many = await connection.execute(sa.insert(THINGS), [{"name": "b"}, {"name": "c"}])
            assert many.rowcount == 2
            updated = await connection.execute(sa.update(THINGS).values(name=THINGS.c.name + "!"))
            assert updated.rowcount == 3
            rows = (await connection.execute(sa.select(THINGS.c.name).order_by(THINGS.c.id))).all()
            assert [row.name for row in rows] == ["a!", "b!", "c!"]
            # The small ones ran without a hop; the select binds no value (it could be a scan of a
            # whole table): one hop, not four.
            assert len(calls) == 1
            with pytest.raises(IntegrityError):
                await connection.execute(sa.insert(THINGS).values(name="a!"))  # inline, the same error
            raw._execute = original
    finally:
        await engine.dispose()


async def test_a_transactions_begin_goes_with_its_first_statement_and_an_empty_one_costs_nothing(
    tmp_path: Path,
) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'begin.db'}")
    try:
        async with engine.begin() as connection:
            await connection.run_sync(THINGS.metadata.create_all)
        async with engine.connect() as connection:
            raw: Any = (await connection.get_raw_connection()).driver_connection
            calls: list[Any] = []
            original = raw._execute

            async def counted(fn: Any, *args: Any, **kwargs: Any) -> Any:
                calls.append(fn)
                return await original(fn, *args, **kwargs)

            raw._execute = counted
            async with connection.begin():
                assert calls == []  # BEGIN IMMEDIATE waits for the first statement
                await connection.execute(sa.insert(THINGS).values(name="a"))
                assert len(calls) == 1 and raw._conn.in_transaction  # sent together: the lock is held
            assert len(calls) == 2 and not raw._conn.in_transaction  # and the commit
            async with connection.begin():
                pass
            assert len(calls) == 2  # nothing ran: nothing to begin or commit
            raw._execute = original
    finally:
        await engine.dispose()


async def test_only_small_statements_of_a_begun_transaction_run_on_the_event_loops_thread(
    tmp_path: Path,
) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'threads.db'}")
    loop_thread = threading.get_ident()
    try:
        async with engine.begin() as connection:
            await connection.run_sync(THINGS.metadata.create_all)
        async with engine.connect() as connection:
            raw: Any = (await connection.get_raw_connection()).driver_connection
            # SQLite calls this where the statement runs: independent evidence of the thread.
            await raw._execute(raw._conn.create_function, "thread_of", 1, lambda _: threading.get_ident())
            where = sa.func.thread_of
            async with connection.begin():
                first = await connection.scalar(sa.select(where(1)))  # carries BEGIN IMMEDIATE
                small = await connection.scalar(sa.select(where(1)))
                unbound = await connection.scalar(sa.select(where(sa.literal_column("1"))))
                large = await connection.scalar(
                    sa.select(where(1)).where(sa.literal(0).not_in([-i - 1 for i in range(2_500)]))
                )
            assert small == loop_thread
            assert loop_thread not in (first, unbound, large)
    finally:
        await engine.dispose()
