"""Helpers for consumer tests: a recording handler, polling with a deadline, running a consumer."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

from aiokafka import AIOKafkaConsumer, TopicPartition

from acikkapi_shared.messaging.consumer import KafkaBatchConsumer
from acikkapi_shared.messaging.inbound import InboundMessage


class Collector:
    """A batch handler that keeps every batch it is given; it can fail its first calls on purpose."""

    def __init__(
        self,
        *,
        fail_first: int = 0,
        before_success: Callable[[Sequence[InboundMessage]], Awaitable[None]] | None = None,
    ) -> None:
        self.calls = 0
        self.failed: list[list[InboundMessage]] = []
        self.handled: list[list[InboundMessage]] = []
        self._fail_first = fail_first
        self._before_success = before_success

    async def __call__(self, batch: Sequence[InboundMessage]) -> None:
        """Records the batch; raises for the first `fail_first` calls."""
        self.calls += 1
        if self.calls <= self._fail_first:
            self.failed.append(list(batch))
            raise RuntimeError("the handler fails on purpose")
        if self._before_success is not None:
            await self._before_success(batch)
        self.handled.append(list(batch))

    @property
    def messages(self) -> list[InboundMessage]:
        """Returns every message of the batches that were handled, in order."""
        return [message for batch in self.handled for message in batch]

    def of(self, topic: str, partition: int | None = None) -> list[InboundMessage]:
        """Returns the handled messages of one topic (and partition)."""
        return [
            message
            for message in self.messages
            if message.topic == topic and (partition is None or message.partition == partition)
        ]


async def eventually(
    condition: Callable[[], bool | Awaitable[bool]], *, timeout_s: float = 30.0, what: str = "condition"
) -> None:
    """Polls until condition() is true; fails at the deadline."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = condition()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not reached within {timeout_s} s")
        await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def consuming(consumer: KafkaBatchConsumer, *, start: bool = True) -> AsyncIterator[asyncio.Task[None]]:
    """Starts the consumer (unless started already) and its loop; stops both on exit."""
    if start:
        await consumer.start()
    task = asyncio.create_task(consumer.run(), name="test-consumer")
    try:
        yield task
    finally:
        await consumer.stop()
        if task.done() and not task.cancelled() and task.exception() is not None:
            raise AssertionError("the consumer loop crashed") from task.exception()


async def committed_offsets(
    bootstrap: str, group: str, partitions: Sequence[TopicPartition]
) -> dict[TopicPartition, int | None]:
    """Returns the group's committed offset of each partition (None: nothing committed)."""
    reader = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await reader.start()
    try:
        return {partition: await reader.committed(partition) for partition in partitions}
    finally:
        await reader.stop()


async def end_offsets(bootstrap: str, partitions: Sequence[TopicPartition]) -> dict[TopicPartition, int]:
    """Returns each partition's log end offset (the offset the next record will get)."""
    reader = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await reader.start()
    try:
        offsets: dict[TopicPartition, int] = await reader.end_offsets(list(partitions))
        return offsets
    finally:
        await reader.stop()
