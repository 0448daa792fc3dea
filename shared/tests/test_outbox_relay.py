"""The outbox relay: committed events go out in log order; a failed or interrupted publish loses nothing."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from acikkapi_shared.clock import ManualClock
from acikkapi_shared.events.envelope import EventEnvelope, NewEvent
from acikkapi_shared.eventstore.relay import OutboxRelay
from acikkapi_shared.eventstore.store import PendingEvent, SqlAlchemyEventStore
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


async def recorded_envelopes(
    engine: AsyncEngine, store: SqlAlchemyEventStore, *types: str
) -> list[EventEnvelope]:
    """Appends events as a service's writer does and returns them as recorded (what it offers)."""
    async with engine.begin() as connection:
        pending = [
            PendingEvent(
                f"s-{uuid.uuid4()}",
                1,
                NewEvent(type=kind, payload={"i": i}, correlation_id=f"c-{i}", occurred_at=NOW),
            )
            for i, kind in enumerate(types)
        ]
        return await store.insert(connection, pending)


class CountingStore(SqlAlchemyEventStore):
    """The store, counting the relay's reads of the log."""

    reads = 0

    async def read_types_after(self, *args: Any, **kwargs: Any) -> Any:
        self.reads += 1
        return await super().read_types_after(*args, **kwargs)


async def test_offered_commits_that_follow_what_was_published_go_out_without_reading_the_log(
    engine: AsyncEngine,
) -> None:
    store = CountingStore("intake", ManualClock(NOW))
    publisher = FakePublisher()
    relay = relay_for(engine, store, publisher)
    first = await recorded_envelopes(engine, store, "Public", "Private")
    second = await recorded_envelopes(engine, store, "Private", "Public")
    relay.offer(first)
    relay.offer(second)
    assert await relay.publish_pending() == 2
    assert store.reads == 0
    assert [int(r.headers["position"]) for r in publisher.sent] == [1, 4]
    assert relay.published_position == 4


async def test_a_gap_before_an_offered_commit_is_read_from_the_log_in_order(engine: AsyncEngine) -> None:
    store = CountingStore("intake", ManualClock(NOW))
    publisher = FakePublisher()
    relay = relay_for(engine, store, publisher)
    await recorded_envelopes(engine, store, "Public")  # another writer's commit, never offered
    later = await recorded_envelopes(engine, store, "Public", "Public")
    relay.offer(later)
    while await relay.publish_pending():
        pass
    assert store.reads >= 1
    assert [int(r.headers["position"]) for r in publisher.sent] == [1, 2, 3]  # once each, in order
    relay.offer(later)  # offered late, published already: nothing again
    assert await relay.publish_pending() == 0
    assert len(publisher.sent) == 3


class SealingCodec:
    """A codec whose stored form differs from the decoded one."""

    def encode(self, event_type: str, payload: dict[str, Any]) -> dict[str, Any]:
        return {"sealed": json.dumps(payload)}

    def decode(self, event_type: str, stored: dict[str, Any]) -> dict[str, Any]:
        return dict(json.loads(stored["sealed"]))


async def test_with_a_codec_that_changes_payloads_the_stored_form_is_read_from_the_log(
    engine: AsyncEngine,
) -> None:
    store = SqlAlchemyEventStore("intake", ManualClock(NOW), SealingCodec())
    publisher = FakePublisher()
    relay = relay_for(engine, store, publisher)
    relay.offer(await recorded_envelopes(engine, store, "Public"))
    assert await relay.publish_pending() == 1
    assert json.loads(publisher.sent[0].value)["payload"] == {"sealed": json.dumps({"i": 0})}
