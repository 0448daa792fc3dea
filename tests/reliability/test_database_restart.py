"""PostgreSQL restarted (pg_ctl restart) in the middle of a load: intake registers every submission
exactly once and dead-letters none, judged from its topic on the broker, not from its own tables."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from acikkapi_shared.testing import PostgresProcess, free_port, repo_root
from tests.conftest import submission

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]

SUBMISSIONS = 1000


async def registered_on_topic(bootstrap: str, topic: str, expected: int, within: float) -> Counter[str]:
    """Returns how often each submission id was registered, reading the topic until expected are seen."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        group_id=None,
        isolation_level="read_committed",
    )
    await consumer.start()
    counts: Counter[str] = Counter()
    deadline = time.monotonic() + within
    try:
        while sum(counts.values()) < expected and time.monotonic() < deadline:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                for record in records:
                    envelope = json.loads(record.value)
                    if envelope["type"] == "ApplicationRegistered":
                        counts[envelope["payload"]["submission_id"]] += 1
    finally:
        await consumer.stop()
    return counts


async def records_on(bootstrap: str, topic: str) -> int:
    """Returns how many records a topic holds (its end offsets)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        if not partitions:
            await consumer.topics()  # refresh metadata once
            partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        return sum((await consumer.end_offsets(partitions)).values())
    finally:
        await consumer.stop()


def wait_ready(port: int, process: subprocess.Popen[bytes], within: float = 60) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        assert process.poll() is None, "intake exited"
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    pytest.fail("intake never became ready")


async def test_a_postgres_restart_under_load_registers_every_submission_exactly_once(
    kafka_bootstrap_servers: str, tmp_path: Path
) -> None:
    prefix = f"pg{uuid.uuid4().hex[:8]}"
    portal_topic = f"{prefix}.portal.submissions.v1"
    port = free_port()
    log_path = tmp_path / "intake.log"
    with PostgresProcess(fast=True) as postgres:
        database_url = postgres.create_database("intake")
        environment = {
            **os.environ,
            "ACIKKAPI_KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap_servers,
            "ACIKKAPI_TOPIC_PREFIX": prefix,
            "ACIKKAPI_PORTAL_TOPIC": portal_topic,
            "ACIKKAPI_INTAKE_DATABASE_URL": database_url,
            "ACIKKAPI_INTAKE_PORT": str(port),
            "ACIKKAPI_DATA_DIR": str(tmp_path),
            "ACIKKAPI_INTAKE_MAX_RECEIPT_AGE_DAYS": "36500",
        }
        with log_path.open("wb") as log:
            intake = subprocess.Popen(
                [sys.executable, "-m", "intake"], cwd=repo_root(), env=environment, stdout=log, stderr=log
            )
        try:
            wait_ready(port, intake)
            producer = AIOKafkaProducer(
                bootstrap_servers=kafka_bootstrap_servers, acks="all", enable_idempotence=True
            )
            await producer.start()
            documents = [submission() for _ in range(SUBMISSIONS)]
            loaded = asyncio.Event()

            async def keep_restarting() -> int:
                # A restart takes a quarter of a second, so one alone may fall between two batches:
                # restart a few times while the load lasts (not so often that nothing gets done).
                restarts = 0
                while not loaded.is_set() and restarts < 5:
                    await asyncio.sleep(0.5)
                    await asyncio.to_thread(postgres.restart)
                    restarts += 1
                return restarts

            restarting = asyncio.create_task(keep_restarting())
            try:
                for index, document in enumerate(documents):
                    value = json.dumps(document).encode()
                    await producer.send(portal_topic, value, key=document["submission_id"].encode())
                    if index % 50 == 49:
                        await asyncio.sleep(0.1)  # a load over seconds
                await producer.flush()
            finally:
                await producer.stop()
            await registered_on_topic(
                kafka_bootstrap_servers, f"{prefix}.intake.events.v1", SUBMISSIONS // 2, 120
            )
            loaded.set()
            assert await restarting >= 1
            counts = await registered_on_topic(
                kafka_bootstrap_servers, f"{prefix}.intake.events.v1", SUBMISSIONS, within=120
            )
            dead_letters = await records_on(kafka_bootstrap_servers, f"{prefix}.intake.dead-letters.v1")
        finally:
            intake.terminate()
            intake.wait(timeout=30)
    log_text = log_path.read_text(errors="replace")
    # The restart really hit the service while it was working, or this proves nothing.
    assert "batch_transient_failure" in log_text or "relay_publish_failed" in log_text
    assert {document["submission_id"] for document in documents} == set(counts)
    assert set(counts.values()) == {1}, [sid for sid, n in counts.items() if n != 1][:5]
    assert dead_letters == 0
    assert "message_dead_lettered" not in log_text
