"""The consumer's rebalance listener: counts revocations and assignments and tells the consumer."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

import structlog
from aiokafka import ConsumerRebalanceListener, TopicPartition

from acikkapi_shared.observability import metrics

log = structlog.get_logger(__name__)

REPEATED_ASSIGNMENTS = 5  # within a minute, for a static member: something is wrong


class RebalanceListener(ConsumerRebalanceListener):  # type: ignore[misc]
    """Calls `changed` on every revocation and assignment; warns when a static member keeps rejoining.

    Seen with aiokafka 0.14 on Kafka 4.1: two consumers with one group instance id fence each other
    every few seconds (aiokafka resets its member id and joins again), and both hold the partitions
    in between. aiokafka reports nothing but a heartbeat warning, so this says it loudly.
    """

    def __init__(
        self,
        *,
        service: str,
        group_id: str,
        group_instance_id: str | None,
        changed: Callable[[], None],
        before_revoke: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._service = service
        self._group_id = group_id
        self._group_instance_id = group_instance_id
        self._changed = changed
        self._before_revoke = before_revoke
        self._assigned_at: list[float] = []

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        """Notes the revocation before the group's rebalance (after before_revoke, e.g. flushing the
        offsets of handled records, so the next owner starts after them)."""
        if self._before_revoke is not None:
            await self._before_revoke()
        self._note("revoked", revoked)

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        """Notes the new assignment."""
        self._note("assigned", assigned)
        if self._group_instance_id is None:
            return
        now = time.monotonic()
        self._assigned_at = [at for at in self._assigned_at if now - at < 60] + [now]
        if len(self._assigned_at) >= REPEATED_ASSIGNMENTS:
            log.error(
                "consumer_rebalancing_repeatedly",
                group=self._group_id,
                group_instance_id=self._group_instance_id,
                assignments_last_minute=len(self._assigned_at),
                hint="another running instance may use the same instance id",
            )

    def _note(self, event: str, partitions: set[TopicPartition]) -> None:
        metrics.CONSUMER_REBALANCES.labels(self._service, event).inc()
        log.info(f"consumer_partitions_{event}", group=self._group_id, partitions=len(partitions))
        self._changed()
