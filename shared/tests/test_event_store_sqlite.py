"""The event store contract on SQLite (the embedded default)."""

from __future__ import annotations

from pathlib import Path

import pytest

from acikkapi_shared.eventstore.database import create_engine
from acikkapi_shared.testing.event_store_contract import EventStoreContract


class TestSqliteEventStore(EventStoreContract):
    @pytest.fixture
    def database_url(self, tmp_path: Path) -> str:
        return f"sqlite+aiosqlite:///{tmp_path / 'intake.db'}"


async def test_sqlite_syncs_every_commit_so_what_kafka_is_told_survives_a_power_loss(tmp_path: Path) -> None:
    # Review finding L4: with synchronous=NORMAL a committed transaction can roll back after a power
    # loss while its Kafka offset or relayed event survives.
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'durable.db'}")
    try:
        async with engine.connect() as connection:
            assert (await connection.exec_driver_sql("PRAGMA synchronous")).scalar() == 2  # FULL
            assert (await connection.exec_driver_sql("PRAGMA journal_mode")).scalar() == "wal"
    finally:
        await engine.dispose()
