"""Partitions the consumer cannot read: paused, reported (gauge, readiness) and retried with backoff."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from aiokafka import TopicPartition
from prometheus_client import Gauge

from acikkapi_shared.messaging.backoff import BackoffSequence
from acikkapi_shared.observability import metrics


@dataclass
class _Entry:
    reason: str
    offset: int
    backoff: BackoffSequence
    retry_at: float


class UnreadablePartitions:
    """Which partitions are stuck, why (the error class: never a payload), and when to try them again."""

    def __init__(
        self,
        service: str,
        *,
        retry_delays: tuple[float, float],
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._service = service
        self._first_delay, self._max_delay = retry_delays
        self._monotonic = monotonic
        self._entries: dict[TopicPartition, _Entry] = {}

    def mark(self, partition: TopicPartition, reason: str, offset: int) -> float:
        """Records the partition as unreadable at offset; returns the delay before it is tried again."""
        entry = self._entries.get(partition)
        if entry is None:
            entry = _Entry(reason, offset, BackoffSequence(self._first_delay, self._max_delay), 0.0)
            self._entries[partition] = entry
        entry.reason, entry.offset = reason, offset
        delay = entry.backoff.next_delay()
        entry.retry_at = self._monotonic() + delay
        self._gauge(partition).set(1)
        return delay

    def clear(self, partition: TopicPartition) -> None:
        """Forgets the partition: it reads again, or it is no longer assigned to this consumer."""
        if self._entries.pop(partition, None) is not None:
            self._gauge(partition).set(0)

    def clear_all(self) -> None:
        """Forgets every partition (a new assignment: a partition still broken is found again)."""
        for partition in list(self._entries):
            self.clear(partition)

    def due(self) -> list[TopicPartition]:
        """Returns the partitions whose next try is due."""
        now = self._monotonic()
        return [partition for partition, entry in self._entries.items() if entry.retry_at <= now]

    def reasons(self) -> dict[tuple[str, int], str]:
        """Returns (topic, partition) -> the error class that stopped it."""
        return {(tp.topic, tp.partition): entry.reason for tp, entry in self._entries.items()}

    def __contains__(self, partition: object) -> bool:
        return partition in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def _gauge(self, partition: TopicPartition) -> Gauge:
        return metrics.CONSUMER_PARTITION_UNREADABLE.labels(
            self._service, partition.topic, str(partition.partition)
        )
