"""Fixtures shared by the common library's tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from acikkapi_shared.eventstore.database import create_engine, migrate
from acikkapi_shared.testing.kafka_clients import JavaRecordWriter


@pytest.fixture
async def sqlite_engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """A migrated event-log database in a fresh SQLite file."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'service.db'}")
    await migrate(engine)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
def java_writer(tmp_path_factory: pytest.TempPathFactory) -> JavaRecordWriter:
    """Kafka's own Java producer, compiled once per session against the broker's kafka-clients jar."""
    return JavaRecordWriter.compiled(tmp_path_factory.mktemp("java-record-writer"))
