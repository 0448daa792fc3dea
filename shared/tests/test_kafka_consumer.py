"""The consumer loop with the batch processor on a real broker: a new group reads from the start,
offsets are committed only after the transaction, and a restarted consumer does not apply anything
twice. Also its settings, its refusal to run without every codec, and the topics' configuration."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar

import pytest
import sqlalchemy as sa
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition, codec
from sqlalchemy.ext.asyncio import AsyncEngine

from acikkapi_shared.clock import ManualClock
from acikkapi_shared.commands import CommandRunner
from acikkapi_shared.decider import Decider
from acikkapi_shared.events.base import EventPayload, EventTypes
from acikkapi_shared.eventstore.store import SqlAlchemyEventStore
from acikkapi_shared.eventstore.unit_of_work import NoProjections
from acikkapi_shared.messaging.consumer import KafkaBatchConsumer
from acikkapi_shared.messaging.inbound import InboundMessage
from acikkapi_shared.messaging.kafka import ensure_topics
from acikkapi_shared.messaging.processor import BatchProcessor
from acikkapi_shared.testing.consumers import Collector, committed_offsets, consuming, eventually

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
    consumer = KafkaBatchConsumer(
        bootstrap_servers=bootstrap, topics=[topic], group_id=group, service="test", handle=processor.process
    )
    partition = TopicPartition(topic, 0)
    async with consuming(consumer):
        await eventually(lambda: _count_is(engine, count), what=f"{count} messages applied")
        # The commit follows the transaction: wait for it before stopping.
        await eventually(
            lambda: _committed_is(bootstrap, group, partition, count), what=f"offset {count} committed"
        )


async def _count_is(engine: AsyncEngine, count: int) -> bool:
    return len(await applied(engine)) >= count


async def _committed_is(bootstrap: str, group: str, partition: TopicPartition, offset: int) -> bool:
    return (await committed_offsets(bootstrap, group, [partition]))[partition] == offset


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


class RecordingConsumer(AIOKafkaConsumer):  # type: ignore[misc]
    """An aiokafka consumer that remembers the settings it was built with."""

    settings: ClassVar[dict[str, Any]] = {}

    def __init__(self, *topics: str, **settings: Any) -> None:
        RecordingConsumer.settings = settings
        super().__init__(*topics, **settings)


async def test_reads_committed_from_the_earliest_offset_and_commits_only_by_hand(
    kafka_bootstrap_servers: str,
) -> None:
    topic = f"test-settings-{uuid.uuid4().hex[:8]}"
    await ensure_topics(kafka_bootstrap_servers, [topic], [], partitions=1)
    consumer = KafkaBatchConsumer(
        bootstrap_servers=kafka_bootstrap_servers,
        topics=[topic],
        group_id=f"group-{uuid.uuid4().hex[:8]}",
        service="test",
        handle=Collector(),
        group_instance_id="test-instance-1",
        consumer_class=RecordingConsumer,
    )
    await consumer.start()
    await consumer.stop()
    settings = RecordingConsumer.settings
    assert settings["isolation_level"] == "read_committed"
    assert settings["auto_offset_reset"] == "earliest"
    assert settings["enable_auto_commit"] is False
    assert settings["group_instance_id"] == "test-instance-1"


def gathering_consumer(bootstrap: str, topic: str, collector: Collector, **fetch: int) -> KafkaBatchConsumer:
    return KafkaBatchConsumer(
        bootstrap_servers=bootstrap,
        topics=[topic],
        group_id=f"group-{uuid.uuid4().hex[:8]}",
        service="test",
        handle=collector,
        **fetch,
    )


async def assigned(consumer: KafkaBatchConsumer) -> bool:
    return consumer.readiness()["consumer_assigned"]


async def batches_of_a_trickle(bootstrap: str, **fetch: int) -> int:
    """Sends 40 records 20 ms apart to a consumer with these fetch settings; returns its batch count."""
    topic = f"test-trickle-{uuid.uuid4().hex[:8]}"
    await ensure_topics(bootstrap, [topic], [], partitions=1)
    collector = Collector()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=0)
    await producer.start()
    try:
        consumer = gathering_consumer(bootstrap, topic, collector, **fetch)
        async with consuming(consumer):
            await eventually(lambda: assigned(consumer), what="partitions assigned")
            for index in range(40):
                await producer.send_and_wait(topic, f"record {index}".encode())
                await asyncio.sleep(0.02)
            await eventually(lambda: len(collector.messages) == 40, what="40 records handled")
    finally:
        await producer.stop()
    assert [m.value for m in collector.messages] == [f"record {i}".encode() for i in range(40)]
    return len(collector.handled)


async def test_a_steady_trickle_is_gathered_into_batches_by_the_fetch_wait(
    kafka_bootstrap_servers: str,
) -> None:
    # The services' setting (64 KiB or 100 ms): records coming one by one are handled a few at a time.
    gathered = await batches_of_a_trickle(
        kafka_bootstrap_servers, fetch_min_bytes=65_536, fetch_max_wait_ms=100
    )
    # aiokafka's default (answered as soon as there is one byte): about one batch per record.
    alone = await batches_of_a_trickle(kafka_bootstrap_servers, fetch_min_bytes=1, fetch_max_wait_ms=500)
    # 40 records over about a second: a batch per 100 ms wait, with room for a slow host.
    assert gathered <= 15
    assert alone >= 2 * gathered


async def test_a_backlog_is_answered_without_waiting_for_the_fetch_wait(kafka_bootstrap_servers: str) -> None:
    topic = f"test-backlog-{uuid.uuid4().hex[:8]}"
    await ensure_topics(kafka_bootstrap_servers, [topic], [], partitions=1)
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap_servers)
    await producer.start()
    try:
        for index in range(200):  # 200 KiB waiting: more than the fetch minimum
            await producer.send(topic, f"{index:04d}".encode() * 256)
        await producer.flush()
    finally:
        await producer.stop()
    collector = Collector()
    consumer = gathering_consumer(
        kafka_bootstrap_servers, topic, collector, fetch_min_bytes=65_536, fetch_max_wait_ms=10_000
    )
    async with consuming(consumer):
        await eventually(lambda: assigned(consumer), what="partitions assigned")
        started = time.monotonic()
        await eventually(lambda: len(collector.messages) == 200, what="the backlog handled")
        elapsed = time.monotonic() - started
    assert elapsed < 5.0  # never the 10 s wait: the minimum was there from the start


async def test_refuses_to_start_when_aiokafka_cannot_decode_a_codec(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(codec, "has_zstd", lambda: False)
    consumer = KafkaBatchConsumer(
        bootstrap_servers="127.0.0.1:9", topics=["any"], group_id="g", service="test", handle=Collector()
    )
    with pytest.raises(RuntimeError, match="cannot decode zstd"):
        await consumer.start()
