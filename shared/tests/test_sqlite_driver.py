"""The SQLite dialect the services use: each statement in one call on aiosqlite's thread."""

from __future__ import annotations

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
            assert len(calls) == 4  # one hop per statement, not four
            with pytest.raises(IntegrityError):
                await connection.execute(sa.insert(THINGS).values(name="a!"))
            raw._execute = original
    finally:
        await engine.dispose()
