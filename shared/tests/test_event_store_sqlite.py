"""The event store contract on SQLite (the embedded default)."""

from __future__ import annotations

from pathlib import Path

import pytest

from acikkapi_shared.testing.event_store_contract import EventStoreContract


class TestSqliteEventStore(EventStoreContract):
    @pytest.fixture
    def database_url(self, tmp_path: Path) -> str:
        return f"sqlite+aiosqlite:///{tmp_path / 'intake.db'}"
