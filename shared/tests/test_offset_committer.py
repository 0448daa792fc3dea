"""Offsets are committed in the background, in order, one request at a time, never backwards."""

from __future__ import annotations

import asyncio
from typing import Any

from aiokafka import TopicPartition
from aiokafka.errors import KafkaConnectionError

from acikkapi_shared.messaging.committer import OffsetCommitter

P0, P1, P2 = (TopicPartition("t", index) for index in range(3))


class SlowConsumer:
    """Stands in for AIOKafkaConsumer's commit and assignment; each commit takes a while."""

    def __init__(self, assigned: set[TopicPartition], *, fail_first: bool = False) -> None:
        self.assigned = assigned
        self.commits: list[dict[TopicPartition, int]] = []
        self.in_flight = 0
        self.most_in_flight = 0
        self.fail_first = fail_first

    def assignment(self) -> set[TopicPartition]:
        return self.assigned

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(0.02)
            if self.fail_first:
                self.fail_first = False
                raise KafkaConnectionError("coordinator unreachable")
            self.commits.append(offsets)
        finally:
            self.in_flight -= 1


def committer_on(consumer: SlowConsumer) -> OffsetCommitter:
    fake: Any = consumer
    return OffsetCommitter(fake, "intake")


async def test_submit_returns_at_once_and_flush_waits_for_the_commit() -> None:
    consumer = SlowConsumer({P0})
    committer = committer_on(consumer)
    committer.submit({P0: 5})
    assert consumer.commits == []
    await committer.flush()
    assert consumer.commits == [{P0: 5}]


async def test_offsets_arriving_during_a_commit_are_merged_into_the_next_one_in_order() -> None:
    consumer = SlowConsumer({P0, P1})
    committer = committer_on(consumer)
    committer.submit({P0: 5})
    await asyncio.sleep(0)  # the first commit is on its way
    committer.submit({P0: 7, P1: 2})
    committer.submit({P0: 9})
    await committer.flush()
    assert consumer.commits == [{P0: 5}, {P0: 9, P1: 2}]
    assert consumer.most_in_flight == 1


async def test_a_partition_no_longer_assigned_is_left_to_its_new_owner() -> None:
    consumer = SlowConsumer({P0, P1, P2})
    committer = committer_on(consumer)
    committer.submit({P0: 3, P2: 4})
    consumer.assigned = {P0, P1}  # P2 went elsewhere before the commit was sent
    await committer.flush()
    assert consumer.commits == [{P0: 3}]


async def test_a_failed_commit_does_not_stop_later_ones() -> None:
    consumer = SlowConsumer({P0}, fail_first=True)
    committer = committer_on(consumer)
    committer.submit({P0: 3})
    await committer.flush()
    assert consumer.commits == []  # failed: those records are redelivered and skipped by tracking
    committer.submit({P0: 8})
    await committer.flush()
    assert consumer.commits == [{P0: 8}]


class HangingConsumer(SlowConsumer):
    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        await asyncio.sleep(3600)  # a coordinator that never answers


async def test_a_flush_gives_up_on_a_commit_that_never_returns() -> None:
    committer = committer_on(HangingConsumer({P0}))
    committer.submit({P0: 5})
    async with asyncio.timeout(2):
        await committer.flush(within=0.1)  # a rebalance waits no longer than this
