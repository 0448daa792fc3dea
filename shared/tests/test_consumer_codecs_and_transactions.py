"""What other producers write reaches the handler: every compression codec, and only committed
transactions, written by Apache Kafka's own Java client with its ordinary settings."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest
from aiokafka import TopicPartition

from acikkapi_shared.messaging.consumer import KafkaBatchConsumer
from acikkapi_shared.messaging.inbound import InboundMessage
from acikkapi_shared.messaging.kafka import ensure_topics
from acikkapi_shared.testing.consumers import (
    Collector,
    committed_offsets,
    consuming,
    end_offsets,
    eventually,
)
from acikkapi_shared.testing.kafka_clients import JavaRecordWriter, Record, open_command, send_command

pytestmark = pytest.mark.kafka
CODECS = ("none", "gzip", "snappy", "lz4", "zstd")


def portal_body(label: str) -> bytes:
    document = {
        "submission_id": str(uuid.uuid4()),
        "channel": "WEB",
        "text": f"Yusufpaşa Mahallesi'nde içme suyu kesik ({label}); çöp toplanmıyor, ışık yanmıyor.",
    }
    return json.dumps(document, ensure_ascii=False).encode()


def as_read(record: Record) -> tuple[object, ...]:
    headers = {name: (value or b"").decode() for name, value in record.headers}
    return (record.topic, record.partition, record.key, record.value, headers)


def as_handled(message: InboundMessage) -> tuple[object, ...]:
    return (message.topic, message.partition, message.key, message.value, message.headers)


def consumer_of(bootstrap: str, topic: str, group: str, collector: Collector) -> KafkaBatchConsumer:
    return KafkaBatchConsumer(
        bootstrap_servers=bootstrap, topics=[topic], group_id=group, service="test", handle=collector
    )


async def test_records_of_every_codec_from_the_java_client_reach_the_handler_as_written(
    kafka_bootstrap_servers: str, java_writer: JavaRecordWriter
) -> None:
    topic, group = f"test-codecs-{uuid.uuid4().hex[:8]}", f"group-{uuid.uuid4().hex[:8]}"
    await ensure_topics(kafka_bootstrap_servers, [topic], [], partitions=2)
    written: list[Record] = []
    commands: list[str] = []
    for index, codec in enumerate(CODECS):
        keyed = Record(
            topic,
            index % 2,
            key=f"submission-{codec}".encode(),
            value=portal_body(codec),
            headers=(
                ("content-type", b"application/json"),
                ("başvuru-kaynağı", "Kars Valiliği".encode()),
                ("empty", b""),
            ),
        )
        bare = Record(topic, (index + 1) % 2, key=None, value=portal_body(f"{codec}, no key, no headers"))
        written += [keyed, bare]
        commands += [open_command(kafka_bootstrap_servers, codec), send_command(keyed), send_command(bare)]
    await asyncio.to_thread(java_writer.run, commands)

    collector = Collector()
    consumer = consumer_of(kafka_bootstrap_servers, topic, group, collector)
    async with consuming(consumer):
        await eventually(lambda: len(collector.messages) >= len(written), what="every record handled")
        assert consumer.unreadable_partitions == {}

    handled = sorted(collector.messages, key=lambda message: (message.partition, message.offset))
    expected = sorted(written, key=lambda record: record.partition)  # stable: write order within one
    assert [as_handled(message) for message in handled] == [as_read(record) for record in expected]


async def test_aborted_transactions_never_reach_the_handler_and_commits_pass_the_markers(
    kafka_bootstrap_servers: str, java_writer: JavaRecordWriter
) -> None:
    topic, group = f"test-transactions-{uuid.uuid4().hex[:8]}", f"group-{uuid.uuid4().hex[:8]}"
    await ensure_topics(kafka_bootstrap_servers, [topic], [], partitions=1)
    aborted = [Record(topic, 0, f"a{i}".encode(), f"aborted {i}".encode()) for i in (1, 2)]
    committed = [Record(topic, 0, f"c{i}".encode(), f"committed {i}".encode()) for i in (1, 2)]
    await asyncio.to_thread(
        java_writer.run,
        [
            open_command(kafka_bootstrap_servers, "lz4", f"portal-{uuid.uuid4().hex[:8]}"),
            "begin",
            *[send_command(record) for record in aborted],
            "abort",
            "begin",
            *[send_command(record) for record in committed],
            "commit",
        ],
    )
    partition = TopicPartition(topic, 0)

    async def markers_written() -> bool:
        # 2 aborted records, the abort marker, 2 committed records, the commit marker.
        return (await end_offsets(kafka_bootstrap_servers, [partition]))[partition] == 6

    await eventually(markers_written, what="both transactions' markers on the log")

    async def committed_to_the_end() -> bool:
        return (await committed_offsets(kafka_bootstrap_servers, group, [partition]))[partition] == 6

    collector = Collector()
    async with consuming(consumer_of(kafka_bootstrap_servers, topic, group, collector)):
        await eventually(lambda: len(collector.messages) >= len(committed), what="committed records handled")
        # Past the commit marker, though no record follows it: the group's lag does not stick at 1.
        await eventually(committed_to_the_end, what="offset committed past the last marker")

    assert [message.value for message in collector.messages] == [record.value for record in committed]
