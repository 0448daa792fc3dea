"""A sla-monitor started with another clock configuration than its open clocks were computed with
recomputes them at start (DeadlinesRecomputed through the gateway), once: a restart with the same
configuration, or a replay of the read model from zero, recomputes nothing again."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
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
from sla_monitor.app import build_runtime, recompute
from sla_monitor.domain.calendar import CalendarSettings
from sla_monitor.domain.case_clocks import configured_clocks
from sla_monitor.domain.configuration import ClockConfiguration
from sla_monitor.projections import clocks

ISTANBUL = ZoneInfo("Europe/Istanbul")
ROUTED_AT = datetime(2026, 3, 17, 10, 0, tzinfo=ISTANBUL)  # office due 27 March, institution 25 March
IDARI_IZIN = ClockConfiguration(calendar=CalendarSettings(closures=frozenset({date(2026, 3, 24)})))
NUMBERS = ("2026-000001-N", "2026-000002-R")


async def recomputations(runtime: ServiceRuntime) -> int:
    async with runtime.engine.connect() as connection:
        query = sa.select(sa.func.count()).where(events.c.type == "DeadlinesRecomputed")
        return int((await connection.execute(query)).scalar_one())


async def read_model(runtime: ServiceRuntime) -> set[tuple[str, datetime, str]]:
    async with runtime.engine.connect() as connection:
        rows = await connection.execute(
            sa.select(clocks.c.due_at, clocks.c.next_timer_at, clocks.c.config_version)
        )
        return {(row.config_version, row.due_at, row.next_timer_at) for row in rows}


async def test_a_new_configuration_recomputes_open_clocks_once_at_start(tmp_path: Path) -> None:
    clock = ManualClock(ROUTED_AT.astimezone(UTC) + timedelta(days=1))
    settings = settings_for("sla-monitor", tmp_path)

    def runtime_on(configuration: ClockConfiguration, *, timers: bool) -> ServiceRuntime:
        return build_runtime(
            settings,
            clock=clock,
            configuration=configuration,
            record_publisher=RecordingPublisher(),
            timers=timers,
        )

    first = ClockConfiguration()
    async with running(runtime_on(first, timers=False)) as runtime:
        await seeding.route(runtime, NUMBERS, ROUTED_AT)
        before = await read_model(runtime)
    institution_warning = datetime(2026, 3, 23, 0, 0, tzinfo=ISTANBUL)
    assert before == {
        (first.version, datetime(2026, 3, 27, 23, 59, 59, tzinfo=ISTANBUL), institution_warning)
    }

    # Started with an idari izin on 24 March: the start recomputes both cases before the timer loop runs.
    async with running(runtime_on(IDARI_IZIN, timers=True)) as runtime:
        for _ in range(100):
            if await recomputations(runtime) == len(NUMBERS):
                break
            await asyncio.sleep(0.05)
        assert await recomputations(runtime) == len(NUMBERS)
        after = await read_model(runtime)
    office_due = datetime(2026, 3, 30, 23, 59, 59, tzinfo=ISTANBUL)
    assert after == {(IDARI_IZIN.version, office_due, institution_warning)}

    # The same configuration again, a replay of the read model from zero: nothing more to recompute.
    async with running(runtime_on(IDARI_IZIN, timers=False)) as runtime:
        await rebuild_projections(runtime.engine, runtime.store, runtime.parts.projector)
        assert await read_model(runtime) == after
        assert await recompute(runtime, configured_clocks(IDARI_IZIN), IDARI_IZIN) == 0
        assert await recomputations(runtime) == len(NUMBERS)
