"""The test infrastructure: a real Kafka broker and a real PostgreSQL server, and their helpers."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import uuid
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from acikkapi_shared.testing import create_database, free_port, repo_root


def test_free_port_can_be_bound_on_loopback() -> None:
    port = free_port()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", port))
    assert 0 < port < 65536


def test_repo_root_holds_the_lock_file_and_deploy_scripts() -> None:
    root = repo_root()
    assert (root / "uv.lock").is_file()
    assert (root / "deploy" / "kafka" / "kafka.sh").is_file()
    assert (root / "deploy" / "postgres" / "pg.sh").is_file()


def test_create_database_rejects_names_that_would_need_quoting() -> None:
    with pytest.raises(ValueError, match="invalid database name"):
        create_database("postgresql+asyncpg://postgres@127.0.0.1:1/acikkapi", 'x"; drop')


def test_kafka_status_of_an_empty_directory_reports_not_running(tmp_path: Path) -> None:
    script = repo_root() / "deploy" / "kafka" / "kafka.sh"
    completed = subprocess.run(
        [str(script), "status", "--data", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 3
    assert "not running" in completed.stdout


@pytest.mark.kafka
async def test_kafka_broker_round_trips_an_idempotent_record(kafka_bootstrap_servers: str) -> None:
    topic = f"test.infra.{uuid.uuid4().hex[:12]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap_servers)
    await admin.start()
    try:
        response = await admin.create_topics(
            [
                NewTopic(
                    name=topic,
                    num_partitions=1,
                    replication_factor=1,
                    topic_configs={"cleanup.policy": "delete", "retention.ms": "-1"},
                )
            ]
        )
    finally:
        await admin.close()
    # aiokafka reports per-topic errors in the response instead of raising them.
    assert [(name, code) for name, code, *_ in response.topic_errors] == [(topic, 0)]

    producer = AIOKafkaProducer(
        bootstrap_servers=kafka_bootstrap_servers, acks="all", enable_idempotence=True
    )
    await producer.start()
    try:
        metadata = await producer.send_and_wait(topic, key=b"case-1", value="başvuru".encode())
    finally:
        await producer.stop()
    assert metadata.offset == 0

    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=kafka_bootstrap_servers,
        group_id=f"test-infra-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        async with asyncio.timeout(60):
            record = await consumer.getone()
    finally:
        await consumer.stop()
    assert (record.key, record.value.decode()) == (b"case-1", "başvuru")


@pytest.mark.postgres
async def test_postgres_server_answers_a_query(postgres_url: str) -> None:
    engine = create_async_engine(postgres_url)
    try:
        async with engine.connect() as connection:
            assert (await connection.execute(text("select 1"))).scalar_one() == 1
    finally:
        await engine.dispose()


@pytest.mark.postgres
async def test_postgres_database_url_points_at_a_fresh_database(
    postgres_url: str, postgres_database_url: str
) -> None:
    expected_name = make_url(postgres_database_url).database
    assert expected_name != make_url(postgres_url).database
    engine = create_async_engine(postgres_database_url)
    try:
        async with engine.connect() as connection:
            name = (await connection.execute(text("select current_database()"))).scalar_one()
            tables = await connection.execute(
                text("select count(*) from information_schema.tables where table_schema = 'public'")
            )
            assert (name, tables.scalar_one()) == (expected_name, 0)
    finally:
        await engine.dispose()
