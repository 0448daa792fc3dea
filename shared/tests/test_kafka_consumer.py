"""The faststream subscriber on a real broker: a new group reads from the start, offsets are
committed only after the transaction, and a restarted consumer does not apply anything twice."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from sqlalchemy.ext.asyncio import AsyncEngine

from acikkapi_shared.clock import ManualClock
from acikkapi_shared.commands import CommandRunner
from acikkapi_shared.decider import Decider
from acikkapi_shared.events.base import EventPayload, EventTypes
from acikkapi_shared.eventstore.store import SqlAlchemyEventStore
from acikkapi_shared.eventstore.unit_of_work import NoProjections
from acikkapi_shared.messaging.inbound import InboundMessage
from acikkapi_shared.messaging.kafka import create_broker, ensure_topics, subscribe
from acikkapi_shared.messaging.processor import BatchProcessor

pytestmark = pytest.mark.kafka
NOW = datetime(2026, 5, 22, 11, 0, tzinfo=UTC)


class Seen(EventPayload):
    body: str


recorded: Decider[bool, str] = Decider(
    name="seen",
    initial=lambda _stream: False,
    evolve=lambda _state, _event: True,
    decide=lambda body, seen: [] if seen else [Seen(body=body)],
    events=EventTypes([Seen]),
)


class Recorder:
    event_types: frozenset[str] | None = None

    def message_key(self, message: InboundMessage) -> str:
        return message.source

    def streams(self, message: InboundMessage) -> Sequence[str]:
        return ()

    async def translate(self, message: InboundMessage, commands: CommandRunner) -> None:
        body = (message.value or b"").decode()
        await commands.execute(recorded, f"seen-{message.source}", body, correlation_id=body)


@pytest.fixture
def engine(sqlite_engine: AsyncEngine) -> AsyncEngine:
    return sqlite_engine


async def applied(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as connection:
        rows = await connection.execute(sa.text("SELECT correlation_id FROM events ORDER BY position"))
        return [row.correlation_id for row in rows]


async def run_consumer_until(engine: AsyncEngine, bootstrap: str, topic: str, group: str, count: int) -> None:
    clock = ManualClock(NOW)
    processor = BatchProcessor(
        consumer="test",
        engine=engine,
        store=SqlAlchemyEventStore("test", clock),
        projector=NoProjections(),
        clock=clock,
        translators={topic: Recorder()},
    )
    broker = create_broker(bootstrap, client_id="test")
    subscribe(broker, processor, [topic], group_id=group)
    await broker.start()
    try:
        deadline = time.monotonic() + 30
        while len(await applied(engine)) < count:
            assert time.monotonic() < deadline, "consumer did not catch up"
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)  # let the commit after the transaction reach the broker
    finally:
        await broker.stop()


async def committed_offset(bootstrap: str, topic: str, group: str) -> int | None:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        return await consumer.committed(TopicPartition(topic, 0))
    finally:
        await consumer.stop()


async def test_new_group_reads_history_commits_after_applying_and_resumes_without_repeats(
    kafka_bootstrap_servers: str, engine: AsyncEngine
) -> None:
    topic, group = f"test-consumer-{uuid.uuid4().hex[:8]}", f"group-{uuid.uuid4().hex[:8]}"
    await ensure_topics(kafka_bootstrap_servers, [topic], [], partitions=1)
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap_servers, acks="all")
    await producer.start()
    try:
        for body in (b"one", b"two", b"three"):  # published before the group exists
            await producer.send_and_wait(topic, body)
        await run_consumer_until(engine, kafka_bootstrap_servers, topic, group, 3)
        assert await applied(engine) == ["one", "two", "three"]
        assert await committed_offset(kafka_bootstrap_servers, topic, group) == 3

        await producer.send_and_wait(topic, b"four")
        await run_consumer_until(engine, kafka_bootstrap_servers, topic, group, 4)
    finally:
        await producer.stop()
    assert await applied(engine) == ["one", "two", "three", "four"]
    assert await committed_offset(kafka_bootstrap_servers, topic, group) == 4


async def test_event_topics_never_expire_and_are_never_compacted(kafka_bootstrap_servers: str) -> None:
    from aiokafka.admin import AIOKafkaAdminClient
    from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

    topic = f"test-events-{uuid.uuid4().hex[:8]}"
    await ensure_topics(kafka_bootstrap_servers, [topic], [], partitions=4)
    await ensure_topics(kafka_bootstrap_servers, [topic], [], partitions=4)  # a second call is harmless
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap_servers)
    await admin.start()
    try:
        (response,) = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
        configs = {entry[0]: entry[1] for resource in response.resources for entry in resource[4]}
        (description,) = await admin.describe_topics([topic])
    finally:
        await admin.close()
    assert configs["cleanup.policy"] == "delete"
    assert configs["retention.ms"] == "-1" and configs["retention.bytes"] == "-1"
    assert len(description["partitions"]) == 4
