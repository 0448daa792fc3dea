"""The consumer's rebalance listener: counts revocations and assignments and tells the consumer."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable

import structlog
from aiokafka import ConsumerRebalanceListener, TopicPartition

from acikkapi_shared.observability import metrics

log = structlog.get_logger(__name__)

REPEATED_ASSIGNMENTS = 5  # within a minute, for a static member: something is wrong
_COORDINATOR_LOG = "aiokafka.consumer.group_coordinator"
_GROUP_IN_MESSAGE = re.compile(r"group '([^']*)'")


class _JoinFailureWatch(logging.Handler):
    """Counts aiokafka's failed joins and syncs: fenced static members may also loop there (the broker
    answering an error aiokafka calls UnknownError) and then hold no partitions at all, so the
    assignment count alone would never warn."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self._failed_at: dict[str, list[float]] = {}

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if "join group" not in message and "SyncGroup" not in message:
            return
        found = _GROUP_IN_MESSAGE.search(message)
        group = found.group(1) if found else "unknown"
        now = time.monotonic()
        failed = [at for at in self._failed_at.get(group, []) if now - at < 60] + [now]
        self._failed_at[group] = failed
        if len(failed) >= REPEATED_ASSIGNMENTS:
            log.error(
                "consumer_rebalancing_repeatedly",
                group=group,
                join_failures_last_minute=len(failed),
                hint="another running instance may use the same instance id",
            )


_join_failures = _JoinFailureWatch()


def _watch_join_failures() -> None:
    coordinator = logging.getLogger(_COORDINATOR_LOG)
    if _join_failures not in coordinator.handlers:
        coordinator.addHandler(_join_failures)


class RebalanceListener(ConsumerRebalanceListener):  # type: ignore[misc]
    """Calls `changed` on every revocation and assignment; warns when a static member keeps rejoining.

        Seen with aiokafka 0.14 on Kafka 4.1: two consumers with one group instance id fence each other
        every few seconds (aiokafka resets its member id and joins again), and both hold the partitions
        in between, or loop failing to join and hold none. aiokafka reports nothing but a heartbeat warning
    or an "unexpected error" line, so this says it loudly either way.
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
        if group_instance_id is not None:
            _watch_join_failures()

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
