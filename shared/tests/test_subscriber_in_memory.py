"""The subscriber's wiring on faststream's in-memory broker: fast, but it simulates no commits or
rebalances, so delivery guarantees are proven against the real broker (test_kafka_consumer.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from faststream.kafka import TestKafkaBroker
from sqlalchemy.ext.asyncio import AsyncEngine

from acikkapi_shared.clock import ManualClock
from acikkapi_shared.events.envelope import NewEvent
from acikkapi_shared.eventstore.store import SqlAlchemyEventStore
from acikkapi_shared.eventstore.unit_of_work import NoProjections, UnitOfWork
from acikkapi_shared.messaging.inbound import InboundMessage
from acikkapi_shared.messaging.kafka import create_broker, subscribe
from acikkapi_shared.messaging.processor import BatchProcessor

NOW = datetime(2026, 5, 22, 11, 0, tzinfo=UTC)


class Recorder:
    def message_key(self, message: InboundMessage) -> str:
        return message.headers.get("id", message.source)

    async def __call__(self, work: UnitOfWork, message: InboundMessage) -> None:
        body = (message.value or b"").decode("utf-8", errors="replace")
        event = NewEvent(type="Seen", payload={"body": body}, correlation_id="c", occurred_at=NOW)
        await work.append(f"seen-{self.message_key(message)}", 0, [event])


@pytest.fixture
def engine(sqlite_engine: AsyncEngine) -> AsyncEngine:
    return sqlite_engine


async def test_bodies_that_are_not_json_reach_the_handler_and_duplicates_apply_once(
    engine: AsyncEngine,
) -> None:
    clock = ManualClock(NOW)
    processor = BatchProcessor(
        consumer="test",
        engine=engine,
        store=SqlAlchemyEventStore("test", clock),
        projector=NoProjections(),
        clock=clock,
        handlers={"in": Recorder()},
    )
    broker = create_broker("localhost:9092", client_id="test")
    subscribe(broker, processor, ["in"], group_id="g")
    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish(b"\xff\xfe not utf-8, not json", "in", headers={"id": "1"})
        await test_broker.publish(b'{"a": 1}', "in", headers={"id": "2", "content-type": "application/json"})
        await test_broker.publish(
            b"{broken json", "in", headers={"id": "3", "content-type": "application/json"}
        )
        await test_broker.publish(b"again", "in", headers={"id": "2"})
    async with engine.connect() as connection:
        rows = (await connection.execute(sa.text("SELECT stream_id FROM events ORDER BY position"))).all()
    assert [row.stream_id for row in rows] == ["seen-1", "seen-2", "seen-3"]
