"""Test infrastructure: real Kafka and PostgreSQL servers started from the deploy scripts."""

from acikkapi_shared.testing.infra import (
    KafkaProcess,
    PostgresProcess,
    create_database,
    drop_database,
    free_port,
    repo_root,
)

__all__ = [
    "KafkaProcess",
    "PostgresProcess",
    "create_database",
    "drop_database",
    "free_port",
    "repo_root",
]
