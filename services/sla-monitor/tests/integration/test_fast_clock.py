"""The sla-monitor on a fast clock (ACIKKAPI_CLOCK_RATE, as `acikkapi dev up --clock-rate` sets it):
a warning due days after the routing fires within seconds of real time."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from acikkapi_shared.clock import ShiftedClock
from acikkapi_shared.eventstore.schema import events
from acikkapi_shared.testing.fakes import RecordingPublisher
from acikkapi_shared.testing.in_process import running, settings_for
from sla_monitor import seeding
from sla_monitor.app import build_runtime
from sla_monitor.projections import clocks

A_DAY_PER_SECOND = 86_400.0


async def test_a_timer_fires_days_early_in_real_time_under_a_fast_clock(tmp_path: Path) -> None:
    settings = settings_for("sla-monitor", tmp_path).model_copy(update={"clock_rate": A_DAY_PER_SECOND})
    runtime = build_runtime(settings, record_publisher=RecordingPublisher())
    assert isinstance(runtime.clock, ShiftedClock)
    async with running(runtime):
        routed_at = runtime.clock.now()
        await seeding.route(runtime, ["2026-000001-N"], routed_at)
        async with runtime.engine.connect() as connection:
            due = (await connection.execute(sa.select(clocks.c.next_timer_at))).scalar_one()
        assert due - routed_at > timedelta(days=1)  # the first warning: days away
        started = time.monotonic()
        warned = 0
        while warned == 0 and time.monotonic() - started < 20:
            await asyncio.sleep(0.2)
            async with runtime.engine.connect() as connection:
                query = sa.select(sa.func.count()).where(events.c.type == "DeadlineWarning")
                warned = int((await connection.execute(query)).scalar_one())
        real = time.monotonic() - started
        simulated = runtime.clock.now() - routed_at
    assert warned >= 1
    assert real < 20 and simulated >= due - routed_at
