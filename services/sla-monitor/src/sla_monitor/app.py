"""The composition root of the sla-monitor: build_runtime/build_app wire every part once."""

from __future__ import annotations

from fastapi import FastAPI

from acikkapi_shared.clock import Clock
from acikkapi_shared.decider import Decider
from acikkapi_shared.eventstore.relay import RecordPublisher
from acikkapi_shared.http import create_http_app
from acikkapi_shared.runtime import ServiceRuntime, service_parts
from acikkapi_shared.settings import ServiceSettings
from sla_monitor import metrics
from sla_monitor.domain.calendar import BusinessCalendar
from sla_monitor.domain.case_clocks import CaseClocks, case_clocks_decider
from sla_monitor.domain.clock_commands import ClockCommand
from sla_monitor.entrypoints.consumers import CaseStages
from sla_monitor.projections import SlaProjector
from sla_monitor.timer_loop import TimerLoop


def build_runtime(
    settings: ServiceSettings,
    *,
    clock: Clock | None = None,
    calendar: BusinessCalendar | None = None,
    record_publisher: RecordPublisher | None = None,
    timers: bool = True,
) -> ServiceRuntime:
    """Returns the sla-monitor's runtime: the case's stages in, clocks and their timers out.

    timers=False leaves the timer loop out (a test ticks its own, see timer_loop).
    """
    clocks = case_clocks_decider(calendar or BusinessCalendar())
    parts = service_parts(
        "sla-monitor",
        settings,
        clock=clock,
        projector=SlaProjector(),
        translators={settings.topics.events_of("router"): CaseStages(clocks)},
    )
    runtime = ServiceRuntime(parts, record_publisher=record_publisher)
    runtime.add_commit_listener(metrics.committed)
    if timers:
        parts.background.append(timer_loop(runtime, clocks).run)
    return runtime


def timer_loop(runtime: ServiceRuntime, clocks: Decider[CaseClocks, ClockCommand]) -> TimerLoop:
    """Returns the timer loop on the runtime's read engine, gateway and clock."""
    return TimerLoop(
        engine=runtime.read_engine, gateway=runtime.gateway, clock=runtime.clock, clocks_decider=clocks
    )


def build_app(settings: ServiceSettings, *, clock: Clock | None = None) -> FastAPI:
    """Returns the sla-monitor's HTTP app; its lifespan runs the whole service."""
    return create_http_app(build_runtime(settings, clock=clock), title="Açık Kapı sla-monitor")
