"""faststream wiring: the broker, batch subscribers with manual commits, dead letters, topics.

Why the subscriber looks the way it does (traps verified against faststream 0.7 / aiokafka 0.14):
- faststream's default Kafka ack policy commits on receipt (at-most-once), so subscribers use
  AckPolicy.MANUAL and commit explicit offsets only after the database transaction committed;
- the batch parser decodes header values and bodies before our handler runs, and a failure there
  would skip records silently, so the parser is made total (bad bytes replaced) and the decoder
  leaves bodies as bytes: decoding happens in our code, where bad input becomes a recorded rejection;
- the handler never raises for bad input, so faststream's error path (no backoff) is never a loop;
- a handler cancelled at shutdown commits nothing: the batch is redelivered and tracking skips it;
- consumers start from the earliest offset for a new group (aiokafka defaults to latest).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import CommitFailedError, IllegalStateError, TopicAlreadyExistsError
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from faststream.middlewares import AckPolicy

from acikkapi_shared.faults import crash_point
from acikkapi_shared.messaging.inbound import InboundMessage, decode_headers
from acikkapi_shared.messaging.processor import BatchProcessor

log = structlog.get_logger(__name__)


def create_broker(bootstrap_servers: str, *, client_id: str) -> KafkaBroker:
    """Returns a broker whose producer is idempotent with acks=all (aiokafka defaults to acks=1)."""
    return KafkaBroker(
        bootstrap_servers,
        client_id=client_id,
        acks="all",
        enable_idempotence=True,
        linger_ms=2,
        request_timeout_ms=30_000,
        logger=None,
    )


async def _total_parser(records: tuple[Any, ...], original: Any) -> Any:
    safe = tuple(
        dataclasses.replace(
            record,
            headers=[(name, value.encode()) for name, value in decode_headers(record.headers).items()],
        )
        for record in records
    )
    return await original(safe)


async def _raw_decoder(message: Any) -> Any:
    return None


def to_inbound(record: Any) -> InboundMessage:
    """Returns an InboundMessage for an aiokafka ConsumerRecord."""
    return InboundMessage(
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        key=record.key,
        value=record.value,
        headers=decode_headers(record.headers),
        timestamp_ms=record.timestamp,
    )


def subscribe(
    broker: KafkaBroker,
    processor: BatchProcessor,
    topics: Sequence[str],
    *,
    group_id: str,
    max_records: int = 500,
    batch_timeout_ms: int = 50,
) -> Any:
    """Registers a batch subscriber that hands batches to the processor, then commits offsets."""
    subscriber = broker.subscriber(
        *topics,
        group_id=group_id,
        batch=True,
        ack_policy=AckPolicy.MANUAL,
        auto_offset_reset="earliest",
        max_records=max_records,
        batch_timeout_ms=batch_timeout_ms,
        parser=_total_parser,
        decoder=_raw_decoder,
    )

    @subscriber
    async def consume(message: KafkaMessage) -> None:
        records = message.raw_message
        batch = records if isinstance(records, tuple) else (records,)
        await processor.process([to_inbound(record) for record in batch])
        crash_point("consumer.after_commit_before_offsets")
        await commit_offsets(message.consumer, batch)

    return subscriber


async def commit_offsets(consumer: Any, records: Sequence[Any]) -> None:
    """Commits the offset after each partition's last record; a lost partition only redelivers."""
    if not isinstance(consumer, AIOKafkaConsumer):
        await consumer.commit()  # faststream's in-memory test broker
        return
    offsets: dict[TopicPartition, int] = {}
    for record in records:
        partition = TopicPartition(record.topic, record.partition)
        offsets[partition] = max(offsets.get(partition, 0), record.offset + 1)
    try:
        await consumer.commit(offsets)
    except (CommitFailedError, IllegalStateError):
        log.warning("offset_commit_failed_after_rebalance", partitions=len(offsets))


class DeadLetterPublisher:
    """Sends a message that could not be applied to the consumer's dead-letter topic, with the reason."""

    def __init__(self, broker: KafkaBroker, topic: str, consumer: str) -> None:
        self._broker = broker
        self._topic = topic
        self._consumer = consumer

    async def __call__(self, message: InboundMessage, reason: str) -> None:
        """Publishes the original bytes with headers naming the source and the reason."""
        headers = {
            **message.headers,
            "dead_letter_reason": reason[:1000],
            "dead_letter_source": message.source,
            "dead_letter_consumer": self._consumer,
        }
        await self._broker.publish(message.value or b"", self._topic, key=message.key, headers=headers)


async def ensure_topics(
    bootstrap_servers: str,
    event_topics: Sequence[str],
    dead_letter_topics: Sequence[str],
    *,
    partitions: int = 4,
    replication_factor: int = 1,
) -> None:
    """Creates missing topics: event topics never expire and are never compacted."""
    never_expire = {"cleanup.policy": "delete", "retention.ms": "-1", "retention.bytes": "-1"}
    wanted = [
        NewTopic(name, partitions, replication_factor, topic_configs=never_expire) for name in event_topics
    ] + [NewTopic(name, 1, replication_factor, topic_configs=never_expire) for name in dead_letter_topics]
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [topic for topic in wanted if topic.name not in existing]
        if missing:
            # aiokafka reports per-topic failures in the response instead of raising them.
            response = await admin.create_topics(missing)
            for name, code, *detail in getattr(response, "topic_errors", ()):
                if code not in (0, TopicAlreadyExistsError.errno):
                    raise RuntimeError(f"cannot create topic {name}: error {code} {detail}")
    finally:
        await admin.close()
