"""Offset commits in the background: the next fetch does not wait for the group coordinator's answer.

A batch's offsets are handed over once its transaction is committed and on disk; this sends them with
one commit in flight at a time, merging what arrives meanwhile (the latest offset of each partition),
so commits reach the coordinator in order and never move a partition backwards. A commit that fails,
or that never ran because the process died, only means redelivery, which the tracking table skips.
Before a rebalance takes partitions away, and before the consumer stops, what is pending is flushed.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping

from aiokafka import AIOKafkaConsumer, TopicPartition

from acikkapi_shared.messaging.kafka import commit_offsets


class OffsetCommitter:
    """Commits handed-over offsets of one consumer, in order, one request at a time."""

    def __init__(self, consumer: AIOKafkaConsumer, service: str) -> None:
        self._consumer = consumer
        self._service = service
        self._pending: dict[TopicPartition, int] = {}
        self._sending: asyncio.Task[None] | None = None

    def submit(self, offsets: Mapping[TopicPartition, int]) -> None:
        """Queues the next offsets of handled records; returns at once."""
        if not offsets:
            return
        self._pending.update(offsets)
        if self._sending is None or self._sending.done():
            self._sending = asyncio.create_task(self._send_pending(), name=f"offset-commits-{self._service}")

    async def flush(self, within: float = 5.0) -> None:
        """Returns once every offset submitted so far has been sent (committed or failed), or after
        `within` seconds: a rebalance must not wait on a coordinator that does not answer (a fenced member's
        commit can hang for its request timeout), and an offset not committed only means redelivery."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(within):
                while self._sending is not None and not self._sending.done():
                    # Shielded: a flush given up on leaves the commit to finish on its own.
                    with contextlib.suppress(Exception):
                        await asyncio.shield(self._sending)

    def pending(self) -> dict[TopicPartition, int]:
        """Returns the offsets not yet sent (for tests and logs)."""
        return dict(self._pending)

    async def _send_pending(self) -> None:
        while self._pending:
            offsets, self._pending = self._pending, {}
            assigned = self._consumer.assignment()
            # A partition that went to another member during a rebalance is that member's to commit.
            await commit_offsets(
                self._consumer,
                {tp: offset for tp, offset in offsets.items() if tp in assigned},
                self._service,
            )
