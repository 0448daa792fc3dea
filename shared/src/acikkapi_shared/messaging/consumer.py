"""The Kafka consumer loop: batches from aiokafka to a handler, offsets committed only after it returned.

Why a loop of our own instead of faststream's subscriber (verified against aiokafka 0.14, faststream 0.7):
- aiokafka's getmany() moves each partition's position as it drains it. When a later partition in
  the same call raises (a batch in a codec it cannot decode, a header key that is not UTF-8), the
  records already drained are dropped together with the exception. A loop that only sees the
  exception, as faststream's does, cannot get them back: the next call starts after them and the
  next commit covers them. This loop notes every partition's position before each call and seeks
  back to it when the call raises, so those records are fetched again.
- faststream retries such a fetch by sleeping 15 s in a loop (or restarts its task at once for an
  error that is not a KafkaError) and, with logger=None, logs nothing. Here the failing partition is
  found by fetching each partition alone, paused, reported (gauge, readiness, log) and retried with
  backoff, while every other partition goes on.
- It reads read_committed (aiokafka's default would deliver records of aborted transactions), starts
  a new group from the earliest offset, never auto-commits, and can use static group membership, so a
  restarted instance gets its partitions back without waiting for the dead member's session timeout.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import IllegalStateError, KafkaError

from acikkapi_shared.faults import crash_point
from acikkapi_shared.messaging.backoff import BackoffSequence
from acikkapi_shared.messaging.committer import OffsetCommitter
from acikkapi_shared.messaging.inbound import InboundMessage
from acikkapi_shared.messaging.kafka import require_codecs, to_inbound
from acikkapi_shared.messaging.partitions import Positions, ProbeResults, positions_of, probe_alone, seek_back
from acikkapi_shared.messaging.rebalance import RebalanceListener
from acikkapi_shared.messaging.unreadable import UnreadablePartitions
from acikkapi_shared.observability import metrics

log = structlog.get_logger(__name__)

BatchHandler = Callable[[Sequence[InboundMessage]], Awaitable[None]]


class KafkaBatchConsumer:
    """Consumes a group's topics in batches; never skips a record, never commits one not yet handled."""

    def __init__(
        self,
        *,
        bootstrap_servers: str,
        topics: Sequence[str],
        group_id: str,
        service: str,
        handle: BatchHandler,
        group_instance_id: str | None = None,
        max_records: int = 100,
        fetch_timeout_ms: int = 50,
        fetch_min_bytes: int = 1,
        fetch_max_wait_ms: int = 500,
        handler_retry_delays: tuple[float, float] = (0.1, 30.0),
        read_retry_delays: tuple[float, float] = (0.1, 10.0),
        unreadable_retry_delays: tuple[float, float] = (1.0, 60.0),
        probe_timeout_ms: int = 2000,
        session_timeout_ms: int = 10_000,
        client_id: str | None = None,
        consumer_class: type[AIOKafkaConsumer] = AIOKafkaConsumer,
    ) -> None:
        self._bootstrap_servers = bootstrap_servers
        self._topics = list(topics)
        self._group_id = group_id
        self._service = service
        self._handle = handle
        self._group_instance_id = group_instance_id
        self._max_records = max_records
        self._fetch_timeout_ms = fetch_timeout_ms
        self._fetch_min_bytes = fetch_min_bytes
        self._fetch_max_wait_ms = fetch_max_wait_ms
        self._probe_timeout_s = probe_timeout_ms / 1000
        self._session_timeout_ms = session_timeout_ms
        self._client_id = client_id or f"acikkapi-{service}"
        self._consumer_class = consumer_class
        self._handler_backoff = BackoffSequence(*handler_retry_delays)
        self._read_backoff = BackoffSequence(*read_retry_delays)
        self._unreadable = UnreadablePartitions(service, retry_delays=unreadable_retry_delays)
        self._consumer: AIOKafkaConsumer | None = None
        self._committer: OffsetCommitter | None = None
        self._running: asyncio.Task[Any] | None = None
        self._stopped = False
        # Bumped on every rebalance: positions noted before one must not be sought back to after it.
        self._epoch = 0

    @property
    def unreadable_partitions(self) -> Mapping[tuple[str, int], str]:
        """Returns (topic, partition) -> the error class that stopped it, for /readyz and tests."""
        return self._unreadable.reasons()

    async def start(self) -> None:
        """Connects and subscribes (the group is joined in the background); starts no loop."""
        require_codecs()
        consumer = self._consumer_class(
            bootstrap_servers=self._bootstrap_servers,
            client_id=self._client_id,
            group_id=self._group_id,
            group_instance_id=self._group_instance_id,
            isolation_level="read_committed",
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            max_poll_records=self._max_records,
            session_timeout_ms=self._session_timeout_ms,
            fetch_min_bytes=self._fetch_min_bytes,
            fetch_max_wait_ms=self._fetch_max_wait_ms,
        )
        committer = OffsetCommitter(consumer, self._service)
        listener = RebalanceListener(
            service=self._service,
            group_id=self._group_id,
            group_instance_id=self._group_instance_id,
            changed=self._rebalanced,
            before_revoke=committer.flush,
        )
        consumer.subscribe(self._topics, listener=listener)
        await consumer.start()
        self._consumer = consumer
        self._committer = committer
        self._stopped = False
        log.info(
            "consumer_started",
            group=self._group_id,
            topics=len(self._topics),
            static_member=self._group_instance_id is not None,
        )

    async def stop(self) -> None:
        """Stops the loop first (a batch being handled commits nothing), then leaves Kafka."""
        self._stopped = True
        task = self._running
        if task is not None and task is not asyncio.current_task() and not task.done():
            task.cancel()
            await asyncio.wait([task])
        self._running = None
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            if self._committer is not None:
                await self._committer.flush()  # handled records are not handed to the next owner again
            await consumer.stop()
        self._unreadable.clear_all()

    def readiness(self) -> dict[str, bool]:
        """Returns the consumer's readiness checks: partitions assigned, every one of them readable."""
        consumer = self._consumer
        return {
            "consumer_assigned": bool(consumer is not None and consumer.assignment()),
            "partitions_readable": len(self._unreadable) == 0,
        }

    async def run(self) -> None:
        """Hands batches to the handler until cancelled; each is committed only after the handler returned."""
        if self._stopped or self._consumer is None:
            return
        consumer = self._consumer
        self._running = asyncio.current_task()
        while True:
            try:
                await self._retry_unreadable(consumer)
                before = await self._positions(consumer, sorted(consumer.assignment()))
            except KafkaError as error:
                await self._group_error(error)
                continue
            if not before:
                # Nothing assigned yet (or every partition unreadable): wait for the group.
                await asyncio.sleep(self._fetch_timeout_ms / 1000)
                continue
            epoch = self._epoch
            try:
                fetched = await consumer.getmany(
                    *before, timeout_ms=self._fetch_timeout_ms, max_records=self._max_records
                )
            except asyncio.CancelledError:
                raise
            except Exception as error:  # aiokafka raises KafkaErrors and also, e.g., UnicodeDecodeError
                await self._read_failed(consumer, before, epoch, error)
                continue
            self._read_backoff.reset()
            await self._deliver(consumer, before, epoch, fetched)

    async def _deliver(
        self,
        consumer: AIOKafkaConsumer,
        before: Positions,
        epoch: int,
        fetched: Mapping[TopicPartition, Sequence[Any]],
    ) -> bool:
        """Hands the records to the handler, then commits; returns False when the handler raised."""
        records = [record for partition in fetched for record in fetched[partition]]
        if records:
            try:
                await self._handle([to_inbound(record) for record in records])
            except asyncio.CancelledError:
                raise
            except Exception as error:
                # The handler's last resort: nothing is committed and the same records come again.
                delay = self._handler_backoff.next_delay()
                metrics.CONSUMER_HANDLER_FAILURES.labels(self._service).inc()
                # The error class only: its message may quote the message's personal data.
                log.error(
                    "consumer_handler_failed",
                    error=type(error).__name__,
                    records=len(records),
                    partitions=len(fetched),
                    retry_in=round(delay, 3),
                )
                self._rewind(consumer, before, epoch)
                await asyncio.sleep(delay)
                return False
            self._handler_backoff.reset()
        if epoch != self._epoch:
            return True  # a rebalance came in between: the new owner starts from the last commit
        # The position after the call, not just the last record + 1: control markers and aborted
        # records that follow it are committed past too, so the group's lag does not stick at 1.
        after = await self._positions(consumer, list(before))
        moved = {partition: offset for partition, offset in after.items() if offset != before[partition]}
        self._measure_lag(consumer, after)
        if records:
            crash_point("consumer.after_commit_before_offsets")
        # In the background: the next fetch does not wait for the coordinator (committer.py).
        if self._committer is not None:
            self._committer.submit(moved)
        return True

    def _measure_lag(self, consumer: AIOKafkaConsumer, positions: Positions) -> None:
        # What the last fetch response told (no request of its own): the last stable offset, as a
        # read_committed consumer reads up to it (the high watermark where the broker sent none).
        for partition, position in positions.items():
            highwater = consumer.last_stable_offset(partition) or consumer.highwater(partition)
            if highwater is not None:
                metrics.CONSUMER_LAG.labels(self._service, partition.topic, str(partition.partition)).set(
                    max(0, highwater - position)
                )

    async def _read_failed(
        self, consumer: AIOKafkaConsumer, before: Positions, epoch: int, error: BaseException
    ) -> None:
        metrics.CONSUMER_READ_ERRORS.labels(self._service, type(error).__name__).inc()
        log.error(
            "consumer_read_failed",
            error=type(error).__name__,
            detail=str(error)[:300],
            partitions=len(before),
            exc_info=error,
        )
        # Records drained from other partitions in that call were dropped with the error: fetch again.
        self._rewind(consumer, before, epoch)
        if epoch != self._epoch:
            return
        results = await self._probe(consumer, before)
        failing = {tp: err for tp, err in results.items() if err is not None}
        if failing and (len(before) == 1 or len(failing) < len(before)):
            for partition, partition_error in failing.items():
                try:
                    offset = await self._salvage(consumer, partition)
                except IllegalStateError:
                    offset = None  # revoked meanwhile
                if offset is not None:
                    self._set_unreadable(consumer, partition, offset, partition_error)
            return
        # Not one partition's fault (the group, the network, the broker): wait and try everything again.
        delay = self._read_backoff.next_delay()
        log.warning("consumer_read_failure_not_partition_specific", retry_in=round(delay, 3))
        await asyncio.sleep(delay)

    def _set_unreadable(
        self, consumer: AIOKafkaConsumer, partition: TopicPartition, offset: int, error: BaseException
    ) -> None:
        consumer.pause(partition)
        retry_in = self._unreadable.mark(partition, type(error).__name__, offset)
        log.error(
            "consumer_partition_unreadable",
            topic=partition.topic,
            partition=partition.partition,
            offset=offset,
            error=type(error).__name__,
            detail=str(error)[:300],
            retry_in=round(retry_in, 3),
        )

    async def _salvage(self, consumer: AIOKafkaConsumer, partition: TopicPartition) -> int | None:
        """Hands over the partition's records before the one that fails; returns that one's offset.

        aiokafka raises for a whole fetch, so the good records ahead of a bad batch in the same
        response would wait with it; fetching fewer records at a time gets them out. Returns None
        when a rebalance took the partition meanwhile.
        """
        budget, epoch = self._max_records, self._epoch
        while epoch == self._epoch:
            offset: int = await consumer.position(partition)
            try:
                fetched = await consumer.getmany(
                    partition, timeout_ms=int(self._probe_timeout_s * 1000), max_records=budget
                )
            except asyncio.CancelledError:
                raise
            except Exception:
                self._rewind(consumer, {partition: offset}, epoch)
                if budget == 1:
                    return offset  # the record at this offset is the one that cannot be read
                budget = max(1, budget // 2)
                continue
            if not fetched or not await self._deliver(consumer, {partition: offset}, epoch, fetched):
                position: int = await consumer.position(partition)
                return position
        return None

    async def _retry_unreadable(self, consumer: AIOKafkaConsumer) -> None:
        for partition in self._unreadable.due():
            if partition not in consumer.assignment():
                self._unreadable.clear(partition)
                continue
            consumer.resume(partition)
            offset = await consumer.position(partition)
            outcome = (await self._probe(consumer, {partition: offset})).get(partition, TimeoutError())
            if outcome is None:
                self._unreadable.clear(partition)
                log.info(
                    "consumer_partition_readable_again",
                    topic=partition.topic,
                    partition=partition.partition,
                    offset=offset,
                )
            else:
                metrics.CONSUMER_READ_ERRORS.labels(self._service, type(outcome).__name__).inc()
                self._set_unreadable(consumer, partition, offset, outcome)

    async def _probe(self, consumer: AIOKafkaConsumer, positions: Positions) -> ProbeResults:
        return await probe_alone(
            consumer,
            positions,
            fetch_timeout_ms=self._fetch_timeout_ms,
            max_records=self._max_records,
            timeout_s=self._probe_timeout_s,
        )

    async def _positions(self, consumer: AIOKafkaConsumer, partitions: Sequence[TopicPartition]) -> Positions:
        return await positions_of(consumer, partitions, skip=self._unreadable)

    def _rewind(self, consumer: AIOKafkaConsumer, positions: Positions, epoch: int) -> None:
        if epoch == self._epoch:  # after a rebalance, positions restart from the committed offsets
            seek_back(consumer, positions)

    async def _group_error(self, error: KafkaError) -> None:
        delay = self._read_backoff.next_delay()
        metrics.CONSUMER_READ_ERRORS.labels(self._service, type(error).__name__).inc()
        log.error("consumer_group_error", error=type(error).__name__, detail=str(error)[:300], retry_in=delay)
        await asyncio.sleep(delay)

    def _rebalanced(self) -> None:
        self._epoch += 1
        # A new assignment starts every partition afresh (aiokafka unpauses them); a partition that
        # is still broken is found again by its first fetch, with nothing lost.
        self._unreadable.clear_all()
