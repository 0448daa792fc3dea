"""The timer loop in process: warnings, breach and escalations fire once each, at their moment or on
the first tick after the service was down (marked late), and never again after a restart, a second
instance or a replay of the read model from zero."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from acikkapi_shared.clock import ManualClock
from acikkapi_shared.eventstore.replay import rebuild_projections
from acikkapi_shared.eventstore.schema import events
from acikkapi_shared.runtime import ServiceRuntime
from acikkapi_shared.testing.fakes import RecordingPublisher
from acikkapi_shared.testing.in_process import running, settings_for
from sla_monitor import seeding
from sla_monitor.app import build_runtime, timer_loop
from sla_monitor.domain.calendar import BusinessCalendar
from sla_monitor.domain.case_clocks import case_clocks_decider
from sla_monitor.projections import clocks
from sla_monitor.timer_loop import TimerLoop

ISTANBUL = ZoneInfo("Europe/Istanbul")
ROUTED_AT = datetime(2026, 3, 17, 10, 0, tzinfo=ISTANBUL)  # Tuesday: institution due 25, office 27 March
TIMER_TYPES = ("DeadlineWarning", "DeadlineBreached", "CaseEscalated")


def moment(day: int, month: int = 3, hour: int = 0, second: int = 30) -> datetime:
    return datetime(2026, month, day, hour, 0, second, tzinfo=ISTANBUL)


async def route(runtime: ServiceRuntime, *numbers: str) -> None:
    await seeding.route(runtime, numbers, ROUTED_AT)


async def timer_events(runtime: ServiceRuntime) -> list[tuple[str, str, bool]]:
    """Returns (type, application number, late) of every timer event in the log, in order."""
    async with runtime.engine.connect() as connection:
        rows = await connection.execute(
            sa.select(events.c.type, events.c.stream_id, events.c.payload)
            .where(events.c.type.in_(TIMER_TYPES))
            .order_by(events.c.position)
        )
        result = []
        for row in rows:
            payload = row.payload if isinstance(row.payload, dict) else json.loads(row.payload)
            result.append((str(row.type), str(row.stream_id), bool(payload["late"])))
        return result


def loop_for(runtime: ServiceRuntime) -> TimerLoop:
    return timer_loop(runtime, case_clocks_decider(BusinessCalendar()))


async def test_timers_fire_at_their_moment_once_and_late_after_downtime(tmp_path: Path) -> None:
    clock = ManualClock(ROUTED_AT.astimezone(UTC))
    settings = settings_for("sla-monitor", tmp_path)
    runtime = build_runtime(settings, clock=clock, record_publisher=RecordingPublisher(), timers=False)
    async with running(runtime):
        loop = loop_for(runtime)
        await route(runtime, "2026-000001-N", "2026-000002-R")
        async with runtime.engine.connect() as connection:
            scheduled = {
                row.next_timer_at for row in await connection.execute(sa.select(clocks.c.next_timer_at))
            }
        assert scheduled == {moment(23, second=0)}  # the institution's first warning, 2 business days before
        clock.set(moment(22, hour=23))
        assert await loop.tick() == 0
        clock.set(moment(24))  # both institution warnings are due: the first one is a day late
        assert await loop.tick() == 2
        assert await loop.tick() == 0  # rescheduled to the office's first warning (25 March)
        assert Counter(kind for kind, _, _ in await timer_events(runtime)) == {"DeadlineWarning": 4}
        clock.set(moment(1, 4, hour=9))  # the service "was down" from 24 March to 1 April
        assert await loop.tick() == 2
        assert await loop.tick() == 0
        fired = await timer_events(runtime)
    per_case = Counter((kind, number) for kind, number, _ in fired)
    for number in ("2026-000001-N", "2026-000002-R"):
        assert per_case[("DeadlineWarning", number)] == 4  # institution 2, 1; office 2, 1
        assert per_case[("DeadlineBreached", number)] == 2  # institution, office
        assert (
            per_case[("CaseEscalated", number)] == 3
        )  # institution → office, → supervisor; office → supervisor
    assert all(late for kind, _, late in fired if kind != "DeadlineWarning")  # all after the downtime

    # A restart, a second instance ticking at once, a replay of the read model from zero: nothing new.
    restarted = build_runtime(settings, clock=clock, record_publisher=RecordingPublisher(), timers=False)
    other = build_runtime(settings, clock=clock, record_publisher=RecordingPublisher(), timers=False)
    async with running(restarted), running(other):
        clock.advance(timedelta(days=30))
        await rebuild_projections(restarted.engine, restarted.store, restarted.parts.projector)
        first, second = loop_for(restarted), loop_for(other)
        await asyncio.gather(first.tick(), second.tick())
        assert await timer_events(restarted) == fired
