"""The service's producer (relay and dead letters): aiokafka directly, idempotent with acks=all."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

from aiokafka import AIOKafkaProducer


class KafkaRecordPublisher:
    """Sends records without waiting for each acknowledgement; the idempotent producer keeps their order.

    faststream's publish() builds a command object, a correlation id and a middleware chain per
    record; for the relay's thousands of records a second that cost more than the send itself.
    """

    def __init__(self, bootstrap_servers: str, *, client_id: str) -> None:
        self._bootstrap_servers = bootstrap_servers
        self._client_id = client_id
        self._producer: AIOKafkaProducer | None = None

    async def start(self) -> None:
        """Connects to the cluster (aiokafka needs the running loop, so not in __init__)."""
        self._producer = AIOKafkaProducer(
            bootstrap_servers=self._bootstrap_servers,
            client_id=self._client_id,
            acks="all",
            enable_idempotence=True,
            linger_ms=5,
        )
        await self._producer.start()

    async def stop(self) -> None:
        """Flushes what is in flight and disconnects."""
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None

    async def send(
        self, topic: str, key: bytes | None, value: bytes, headers: dict[str, str]
    ) -> Awaitable[object]:
        """Hands the record to the producer and returns the acknowledgement future."""
        if self._producer is None:
            raise RuntimeError("the producer is not started")
        encoded = [(name, text.encode("utf-8")) for name, text in headers.items()]
        future: Awaitable[object] = await self._producer.send(topic, value, key=key, headers=encoded)
        return future

    async def ping(self, timeout_s: float) -> bool:
        """Returns whether a broker answered a metadata request within the timeout."""
        if self._producer is None:
            return False
        try:
            async with asyncio.timeout(timeout_s):  # not wait_for, which on 3.11 can swallow a cancel
                await self._producer.client.fetch_all_metadata()
        except Exception:
            return False
        return True
