"""Session fixtures for real infrastructure: Kafka and PostgreSQL servers, started lazily."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from hypothesis import settings

from acikkapi_shared.testing import KafkaProcess, PostgresProcess, create_database, drop_database
from acikkapi_shared.testing.kafka_clients import JavaRecordWriter

# Property tests check what is decided, not how fast: on a shared two-core machine Hypothesis' default
# deadline of 200 ms per example fails a correct test now and then (FlakyFailure / DeadlineExceeded).
settings.register_profile("shared-machine", deadline=None)
settings.load_profile("shared-machine")


@pytest.fixture(scope="session")
def kafka_bootstrap_servers() -> Iterator[str]:
    """Bootstrap servers of a real broker: $ACIKKAPI_TEST_KAFKA, or one started for the session."""
    external = os.environ.get("ACIKKAPI_TEST_KAFKA")
    if external:
        yield external
        return
    with KafkaProcess() as kafka:
        yield kafka.bootstrap_servers


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """SQLAlchemy URL of the acikkapi database: $ACIKKAPI_TEST_POSTGRES_URL, or a session server."""
    external = os.environ.get("ACIKKAPI_TEST_POSTGRES_URL")
    if external:
        yield external
        return
    with PostgresProcess(fast=True) as postgres:
        yield postgres.url


@pytest.fixture
def postgres_database_url(postgres_url: str) -> Iterator[str]:
    """SQLAlchemy URL of a fresh, uniquely named database, dropped after the test."""
    name = f"test_{uuid.uuid4().hex[:16]}"
    url = create_database(postgres_url, name)
    yield url
    drop_database(postgres_url, name)


@pytest.fixture(scope="session")
def java_writer(tmp_path_factory: pytest.TempPathFactory) -> JavaRecordWriter:
    """Kafka's own Java producer, compiled once per session against the broker's kafka-clients jar."""
    return JavaRecordWriter.compiled(tmp_path_factory.mktemp("java-record-writer"))
