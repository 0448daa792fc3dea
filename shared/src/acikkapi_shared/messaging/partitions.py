"""Per-partition reads on an aiokafka consumer: positions, seeking back, and fetching partitions alone."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Container, Sequence

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import IllegalStateError

Positions = dict[TopicPartition, int]
# A probed partition: None when it read, the error when it raised; absent when no fetch completed.
ProbeResults = dict[TopicPartition, BaseException | None]


async def positions_of(
    consumer: AIOKafkaConsumer, partitions: Sequence[TopicPartition], *, skip: Container[TopicPartition]
) -> Positions:
    """Returns the partitions' positions (aiokafka waits for a just-assigned one's), but those skipped."""
    positions: Positions = {}
    for partition in partitions:
        if partition in skip:
            continue
        try:
            positions[partition] = await consumer.position(partition)
        except IllegalStateError:
            continue  # revoked meanwhile
    return positions


def seek_back(consumer: AIOKafkaConsumer, positions: Positions) -> None:
    """Seeks every partition still assigned back to its noted position (aiokafka drops its buffer)."""
    assigned = consumer.assignment()
    for partition, offset in positions.items():
        if partition in assigned:
            consumer.seek(partition, offset)


async def probe_alone(
    consumer: AIOKafkaConsumer,
    positions: Positions,
    *,
    fetch_timeout_ms: int,
    max_records: int,
    timeout_s: float,
) -> ProbeResults:
    """Fetches each partition alone from its position, then seeks all back there; returns how each did.

    The partitions are polled in turn, so the one fetch round that follows the seeks serves them all;
    a partition counts as read when it returned records or its last poll time moved (a fetch of it
    completed with nothing to return).
    """
    polled = {partition: consumer.last_poll_timestamp(partition) for partition in positions}
    pending = set(positions)
    results: ProbeResults = {}
    deadline = time.monotonic() + timeout_s
    try:
        while pending and time.monotonic() < deadline:
            for partition in sorted(pending):
                if partition not in consumer.assignment():
                    pending.discard(partition)
                    continue
                try:
                    records = await consumer.getmany(
                        partition, timeout_ms=fetch_timeout_ms, max_records=max_records
                    )
                except asyncio.CancelledError:
                    raise
                except Exception as error:
                    results[partition] = error
                    pending.discard(partition)
                    continue
                if records or consumer.last_poll_timestamp(partition) != polled[partition]:
                    results[partition] = None
                    pending.discard(partition)
    finally:
        seek_back(consumer, positions)
    return results
