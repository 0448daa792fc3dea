"""A moment's burst of timers decided ahead of it: nothing is recorded before the moment, each timer
fires once at it with what was decided, a case that moved meanwhile is decided again on its new
state, a second instance changes nothing of that, and decisions too old to be on time are not used.
Written ahead in chunks, the whole burst commits at its moment; what is too late to be written ahead
is appended after it."""

from __future__ import annotations

import asyncio
import gc
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from acikkapi_shared import gateway_held
from acikkapi_shared.clock import ManualClock
from acikkapi_shared.events.router import InformationRequested
from acikkapi_shared.eventstore.schema import events
from acikkapi_shared.runtime import ServiceRuntime
from acikkapi_shared.testing.fakes import RecordingPublisher, noting_held_waits
from acikkapi_shared.testing.in_process import Feed, running, settings_for, upstream
from sla_monitor import seeding
from sla_monitor.app import build_runtime, timer_loop
from sla_monitor.burst import PreparedBurst
from sla_monitor.burst_firing import BurstSettings
from sla_monitor.domain.calendar import BusinessCalendar
from sla_monitor.domain.case_clocks import case_clocks_decider
from sla_monitor.timer_loop import TimerLoop

ISTANBUL = ZoneInfo("Europe/Istanbul")
ROUTED_AT = datetime(2026, 3, 17, 10, 0, tzinfo=ISTANBUL)  # Tuesday
FIRST = datetime(2026, 3, 23, 0, 0, tzinfo=ISTANBUL)  # the institution's first warning of every case
NUMBERS = [f"2026-00000{i}-B" for i in range(1, 7)]
TIMER_TYPES = ("DeadlineWarning", "DeadlineBreached", "CaseEscalated")


async def timer_events(runtime: ServiceRuntime) -> list[dict[str, object]]:
    """Returns every timer event in the log, in order: its id, case, late flag and recorded_at (read
    as any reader would, beside the writer)."""
    async with runtime.read_engine.connect() as connection:
        rows = await connection.execute(
            sa.select(events.c.event_id, events.c.stream_id, events.c.payload, events.c.recorded_at)
            .where(events.c.type.in_(TIMER_TYPES))
            .order_by(events.c.position)
        )
        found = []
        for row in rows:
            payload = row.payload if isinstance(row.payload, dict) else json.loads(row.payload)
            found.append(
                {"id": row.event_id, "case": row.stream_id, "late": payload["late"], "at": row.recorded_at}
            )
        return found


def loop_for(runtime: ServiceRuntime, settings: BurstSettings | None = None) -> TimerLoop:
    return timer_loop(runtime, case_clocks_decider(BusinessCalendar()), settings)


def runtime_on(tmp_path: Path, clock: ManualClock) -> ServiceRuntime:
    settings = settings_for("sla-monitor", tmp_path)
    return build_runtime(settings, clock=clock, record_publisher=RecordingPublisher(), timers=False)


async def routed_and_prepared(
    runtime: ServiceRuntime, settings: BurstSettings | None = None
) -> tuple[TimerLoop, PreparedBurst]:
    """Routes every case, then decides the burst of their first timer ahead of it."""
    await seeding.route(runtime, NUMBERS, ROUTED_AT)
    loop = loop_for(runtime, settings)
    assert loop.bursts is not None
    burst = await loop.bursts.prepare(await loop.next_moment())
    assert burst is not None and burst.moment == FIRST
    return loop, burst


async def fire_all(*loops: TimerLoop) -> None:
    while sum(await asyncio.gather(*(loop.tick() for loop in loops))):
        pass


async def ask_information(runtime: ServiceRuntime, number: str, at: datetime) -> None:
    asked = InformationRequested(
        application_number=number, institution=seeding.INSTITUTION, request_number=1, question="Adres?"
    )
    topic = runtime.settings.topics.events_of("router")
    message = Feed().event(topic, upstream("router", asked, correlation_id=number, occurred_at=at))
    await runtime.processor.process([message])


async def test_a_burst_decided_ahead_fires_at_its_moment_once_each(tmp_path: Path) -> None:
    clock = ManualClock((FIRST - timedelta(seconds=30)).astimezone(UTC))
    runtime = runtime_on(tmp_path, clock)
    async with running(runtime):
        loop, burst = await routed_and_prepared(runtime)
        ahead = {decided.stream_id: decided.appended[0].event_id for decided in burst.decisions}
        assert sorted(ahead) == NUMBERS
        # Decided, but its clocks stop before the moment: information is asked of the applicant.
        await ask_information(runtime, NUMBERS[0], FIRST - timedelta(seconds=10))
        assert await loop.tick() == 0 and await timer_events(runtime) == []  # not before the moment
        clock.set(FIRST.astimezone(UTC))
        await fire_all(loop)
        fired = await timer_events(runtime)
    assert [event["case"] for event in fired] == NUMBERS[1:]  # the paused case: nothing, once decided again
    assert [event["id"] for event in fired] == [str(ahead[number]) for number in NUMBERS[1:]]
    assert all(event["late"] is False for event in fired)
    assert all(isinstance(at, datetime) and at >= FIRST for at in (event["at"] for event in fired))


async def test_two_instances_with_their_own_decisions_fire_each_timer_once(tmp_path: Path) -> None:
    clock = ManualClock((FIRST - timedelta(seconds=30)).astimezone(UTC))
    one, other = runtime_on(tmp_path, clock), runtime_on(tmp_path, clock)
    async with running(one), running(other):
        first, _ = await routed_and_prepared(one)
        second = loop_for(other)
        assert second.bursts is not None and await second.bursts.prepare(await second.next_moment())
        clock.set(FIRST.astimezone(UTC))
        await fire_all(first, second)
        fired = await timer_events(one)
    assert sorted(event["case"] for event in fired) == NUMBERS


async def test_decisions_too_old_to_be_on_time_are_not_used(tmp_path: Path) -> None:
    clock = ManualClock((FIRST - timedelta(seconds=30)).astimezone(UTC))
    runtime = runtime_on(tmp_path, clock)
    async with running(runtime):
        loop, burst = await routed_and_prepared(runtime)
        ahead = {str(decided.appended[0].event_id) for decided in burst.decisions}
        clock.set((FIRST + timedelta(minutes=2)).astimezone(UTC))  # the service was busy, or stalled
        await fire_all(loop)
        fired = await timer_events(runtime)
    assert sorted(event["case"] for event in fired) == NUMBERS
    assert all(event["late"] is True for event in fired)  # decided on the clock's now, as they are
    assert not ahead & {str(event["id"]) for event in fired}


@pytest.mark.parametrize("chunk", [1_000, 2])  # written at once, or in three chunks
async def test_a_burst_written_ahead_is_invisible_until_its_moment_and_recorded_at_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    holding = noting_held_waits(gateway_held, monkeypatch)
    clock = ManualClock((FIRST - timedelta(seconds=30)).astimezone(UTC))
    runtime = runtime_on(tmp_path, clock)
    async with running(runtime):
        loop, burst = await routed_and_prepared(runtime, BurstSettings(chunk=chunk))
        assert loop.bursts is not None
        # Kept lean: what is appended, without the typed events or the state after them.
        assert all(not d.events and d.state is None and d.appended for d in burst.decisions)
        ahead = {str(decided.appended[0].event_id) for decided in burst.decisions}
        starts = loop.bursts.write_from()
        assert starts is not None and FIRST - timedelta(seconds=10) <= starts < FIRST
        assert await loop.bursts.write_ahead() == 0  # not yet
        clock.set(starts.astimezone(UTC))
        writing = asyncio.create_task(loop.bursts.write_ahead())
        await asyncio.wait_for(holding.wait(), timeout=10)
        assert await timer_events(runtime) == []  # written, but nothing of it can be read yet
        assert not writing.done()
        clock.set(FIRST.astimezone(UTC))
        assert await asyncio.wait_for(writing, timeout=10) == len(NUMBERS)
        fired = await timer_events(runtime)
        assert await loop.tick() == 0  # nothing left of the burst, nothing else due
    assert sorted(event["case"] for event in fired) == NUMBERS
    assert {str(event["id"]) for event in fired} == ahead
    assert all(event["at"] == FIRST and event["late"] is False for event in fired)


async def test_ticks_without_a_burst_leave_the_collector_as_the_service_set_it(tmp_path: Path) -> None:
    clock = ManualClock(datetime(2026, 3, 17, 12, 0, tzinfo=UTC))  # nothing due within a minute
    runtime = runtime_on(tmp_path, clock)
    async with running(runtime):
        await seeding.route(runtime, NUMBERS, ROUTED_AT)
        loop = loop_for(runtime)
        gc.collect()
        gc.freeze()  # as the service does once built
        frozen = gc.get_freeze_count()
        try:
            collections = gc.get_stats()[2]["collections"]
            assert loop.bursts is not None
            for _ in range(5):  # what the loop runs after every tick that fired nothing
                assert await loop.tick() == 0
                await loop.bursts.settle()
            # No thaw of the service's frozen objects, no full collection per tick.
            assert gc.get_freeze_count() > frozen // 2  # (some frozen objects die: a count, not a set)
            assert gc.get_stats()[2]["collections"] == collections
        finally:
            gc.unfreeze()


async def test_a_burst_too_late_to_be_written_ahead_is_appended_after_its_moment(tmp_path: Path) -> None:
    clock = ManualClock((FIRST - timedelta(seconds=30)).astimezone(UTC))
    runtime = runtime_on(tmp_path, clock)
    async with running(runtime):
        await seeding.route(runtime, NUMBERS, ROUTED_AT)
        # Writing is estimated at a second a decision: a chunk of two does not fit in the last 2 s.
        loop = loop_for(runtime, BurstSettings(chunk=2, seconds_per_timer=1.0))
        assert loop.bursts is not None
        burst = await loop.bursts.prepare(await loop.next_moment())
        assert burst is not None
        ahead = {str(decided.appended[0].event_id) for decided in burst.decisions}
        clock.set((FIRST - timedelta(seconds=2)).astimezone(UTC))
        assert await loop.bursts.write_ahead() == 0  # nothing written, the lock not held
        assert loop.bursts.write_from() is None  # tried once: the rest waits for the moment
        assert await timer_events(runtime) == [] and await loop.tick() == 0
        clock.set(FIRST.astimezone(UTC))
        await fire_all(loop)
        fired = await timer_events(runtime)
    assert {str(event["id"]) for event in fired} == ahead  # appended as decided, after the moment
    assert all(isinstance(at, datetime) and at >= FIRST for at in (event["at"] for event in fired))
