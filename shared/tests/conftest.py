"""Fixtures shared by the common library's tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from acikkapi_shared.eventstore.database import create_engine, migrate


@pytest.fixture
async def sqlite_engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """A migrated event-log database in a fresh SQLite file."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'service.db'}")
    await migrate(engine)
    yield engine
    await engine.dispose()
