"""Kafka plumbing around the consumer loop: records to messages, offset commits, dead letters, topics.

The consumer loop itself is in consumer.py; the producer (idempotent, acks=all) in producer.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition, codec
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError, TopicAlreadyExistsError

from acikkapi_shared.messaging.inbound import InboundMessage, decode_headers
from acikkapi_shared.messaging.producer import KafkaRecordPublisher
from acikkapi_shared.observability import metrics

log = structlog.get_logger(__name__)


def require_codecs() -> None:
    """Raises unless aiokafka can decode every compression codec a producer may use."""
    missing = [
        name
        for name, available in (
            ("snappy", codec.has_snappy()),
            ("lz4", codec.has_lz4()),
            ("zstd", codec.has_zstd()),
        )
        if not available
    ]
    if missing:
        # A batch in a codec aiokafka cannot decode stops its partition for good; refuse to start.
        raise RuntimeError(
            f"aiokafka cannot decode {', '.join(missing)} batches: "
            "install aiokafka[lz4,snappy,zstd], which brings cramjam"
        )


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


async def commit_offsets(
    consumer: AIOKafkaConsumer, offsets: Mapping[TopicPartition, int], service: str
) -> None:
    """Commits the given next offsets; a failure only means redelivery, which tracking skips."""
    if not offsets:
        return
    try:
        await consumer.commit(dict(offsets))
    except (CommitFailedError, IllegalStateError):
        metrics.CONSUMER_COMMIT_FAILURES.labels(service).inc()
        log.warning("offset_commit_failed_after_rebalance", partitions=len(offsets))
    except KafkaError as error:
        # The next batch's commit covers these offsets; a crash before it only redelivers.
        metrics.CONSUMER_COMMIT_FAILURES.labels(service).inc()
        log.warning("offset_commit_failed", partitions=len(offsets), error=repr(error))


class DeadLetterPublisher:
    """Sends a message that could not be applied to the consumer's dead-letter topic, with the reason."""

    def __init__(self, publisher: KafkaRecordPublisher, topic: str, consumer: str) -> None:
        self._publisher = publisher
        self._topic = topic
        self._consumer = consumer

    async def __call__(self, message: InboundMessage, reason: str) -> None:
        """Publishes the original bytes with headers naming the source and the reason; waits for the ack."""
        headers = {
            **message.headers,
            "dead_letter_reason": reason[:1000],
            "dead_letter_source": message.source,
            "dead_letter_consumer": self._consumer,
        }
        acknowledged = await self._publisher.send(self._topic, message.key, message.value or b"", headers)
        await acknowledged


async def ensure_topics(
    bootstrap_servers: str,
    event_topics: Sequence[str],
    dead_letter_topics: Sequence[str],
    *,
    partitions: int = 4,
    replication_factor: int = 1,
    dead_letter_retention_days: int = 30,
) -> None:
    """Creates missing topics: event topics never expire and are never compacted; dead-letter topics
    keep their copies for dead_letter_retention_days (the log keeps each dead letter anyway)."""
    never_expire = {"cleanup.policy": "delete", "retention.ms": "-1", "retention.bytes": "-1"}
    # A dead letter's copy holds the original body, personal data included (KVKK: keep no longer
    # than needed to inspect and re-drive it).
    dead_letter_retention = {
        "cleanup.policy": "delete",
        "retention.ms": str(dead_letter_retention_days * 24 * 3600 * 1000),
    }
    wanted = [
        NewTopic(name, partitions, replication_factor, topic_configs=never_expire) for name in event_topics
    ] + [
        NewTopic(name, 1, replication_factor, topic_configs=dead_letter_retention)
        for name in dead_letter_topics
    ]
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
