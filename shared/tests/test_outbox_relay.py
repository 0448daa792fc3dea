"""The outbox relay: committed events go out in log order; a failed or interrupted publish loses nothing."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from acikkapi_shared.clock import ManualClock
from acikkapi_shared.events.envelope import NewEvent
from acikkapi_shared.eventstore.relay import OutboxRelay
from acikkapi_shared.eventstore.store import SqlAlchemyEventStore
from acikkapi_shared.testing.fakes import RecordingPublisher as FakePublisher

NOW = datetime(2026, 5, 22, 11, 0, tzinfo=UTC)


@pytest.fixture
def engine(sqlite_engine: AsyncEngine) -> AsyncEngine:
    return sqlite_engine


@pytest.fixture
def store() -> SqlAlchemyEventStore:
    return SqlAlchemyEventStore("intake", ManualClock(NOW))


async def record(engine: AsyncEngine, store: SqlAlchemyEventStore, *types: str) -> None:
    async with engine.begin() as connection:
        for index, kind in enumerate(types):
            event = NewEvent(type=kind, payload={}, correlation_id=f"case-{index}", occurred_at=NOW)
            await store.append(connection, f"s-{uuid.uuid4()}", 0, [event])


def relay_for(
    engine: AsyncEngine, store: SqlAlchemyEventStore, publisher: FakePublisher, save_interval: float = 0.5
) -> OutboxRelay:
    return OutboxRelay(
        engine, store, publisher, "t", publishes=frozenset({"Public"}), save_interval=save_interval
    )


async def test_public_events_go_out_in_log_order_keyed_by_case(
    engine: AsyncEngine, store: SqlAlchemyEventStore
) -> None:
    await record(engine, store, "Public", "Private", "Public")
    publisher = FakePublisher()
    assert await relay_for(engine, store, publisher).publish_pending() == 2
    assert [(r.key, r.headers["event_type"]) for r in publisher.sent] == [
        (b"case-0", "Public"),
        (b"case-2", "Public"),
    ]
    assert [int(r.headers["position"]) for r in publisher.sent] == [1, 3]


async def test_private_events_are_passed_over_in_batches_without_skipping_a_public_one(
    engine: AsyncEngine, store: SqlAlchemyEventStore
) -> None:
    await record(engine, store, *(["Private"] * 7 + ["Public"]) * 3, "Private", "Private")
    publisher = FakePublisher()
    relay = OutboxRelay(engine, store, publisher, "t", publishes=frozenset({"Public"}), batch_size=2)
    for _ in range(5):
        await relay.publish_pending()
    assert [int(r.headers["position"]) for r in publisher.sent] == [8, 16, 24]
    assert relay.published_position == 26  # the private tail is passed over too
    await record(engine, store, "Public")
    await relay.publish_pending()
    assert [int(r.headers["position"]) for r in publisher.sent] == [8, 16, 24, 27]


async def test_a_failed_publish_is_retried_from_the_same_place(
    engine: AsyncEngine, store: SqlAlchemyEventStore
) -> None:
    await record(engine, store, "Public", "Public")
    publisher = FakePublisher()
    relay = relay_for(engine, store, publisher)
    publisher.fail_next = 1
    with pytest.raises(ConnectionError):
        await relay.publish_pending()
    assert await relay.publish_pending() == 2
    assert [int(r.headers["position"]) for r in publisher.sent] == [1, 2]


async def test_a_restarted_relay_resumes_from_its_stored_position_or_republishes(
    engine: AsyncEngine, store: SqlAlchemyEventStore
) -> None:
    await record(engine, store, "Public")
    first = FakePublisher()
    relay = relay_for(engine, store, first)
    await relay.publish_pending()
    await relay.publish_pending()  # caught up: the position is stored
    await record(engine, store, "Public")
    restarted = FakePublisher()
    await relay_for(engine, store, restarted).publish_pending()
    assert [int(r.headers["position"]) for r in restarted.sent] == [2]  # nothing lost, nothing repeated

    # A relay that died before storing its position publishes again: harmless, consumers dedupe by id.
    await record(engine, store, "Public")
    crashed = FakePublisher()
    crashed_relay = relay_for(engine, store, crashed, save_interval=3600)
    await crashed_relay.publish_pending()  # the first save is immediate
    await record(engine, store, "Public")
    await crashed_relay.publish_pending()  # published, but not stored before the "crash"
    again = FakePublisher()
    await relay_for(engine, store, again).publish_pending()
    assert [int(r.headers["position"]) for r in crashed.sent] == [3, 4]
    assert [int(r.headers["position"]) for r in again.sent] == [4]


async def test_a_relay_woken_as_it_is_cancelled_still_stops(
    engine: AsyncEngine, store: SqlAlchemyEventStore
) -> None:
    # On Python 3.11, asyncio.wait_for can swallow a cancellation that arrives as the awaited event
    # is set; a relay waiting that way on its wake-up never stopped when a commit's notify came with
    # the service's stop (seen as a test that hung).
    relay = relay_for(engine, store, FakePublisher())
    relay._poll_interval = 0.001  # many waits, many chances to race
    for _ in range(300):
        task = asyncio.create_task(relay.run())
        await asyncio.sleep(0.002)
        relay.notify()
        task.cancel()
        done, _ = await asyncio.wait([task], timeout=2)
        assert done, "the relay did not stop when cancelled"
