"""The event store contract on PostgreSQL (production)."""

from __future__ import annotations

import pytest

from acikkapi_shared.testing.event_store_contract import EventStoreContract


@pytest.mark.postgres
class TestPostgresEventStore(EventStoreContract):
    @pytest.fixture
    def database_url(self, postgres_database_url: str) -> str:
        return postgres_database_url
