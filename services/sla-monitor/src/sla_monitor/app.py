"""The composition root of the sla-monitor: build_runtime/build_app wire every part once."""

from __future__ import annotations

from fastapi import FastAPI

from acikkapi_shared.clock import Clock
from acikkapi_shared.decider import Decider
from acikkapi_shared.eventstore.relay import RecordPublisher
from acikkapi_shared.http import create_http_app
from acikkapi_shared.reference import kars
from acikkapi_shared.runtime import ServiceRuntime, service_parts
from acikkapi_shared.settings import ServiceSettings
from sla_monitor import metrics
from sla_monitor.burst import BurstPreparation
from sla_monitor.burst_firing import BurstFiring, BurstSettings
from sla_monitor.config import load_configuration
from sla_monitor.domain.case_clocks import CaseClocks, configured_clocks
from sla_monitor.domain.clock_commands import ClockCommand
from sla_monitor.domain.configuration import ClockConfiguration
from sla_monitor.entrypoints.consumers import CaseStages
from sla_monitor.projections import SlaProjector
from sla_monitor.recompute import recompute_open_clocks
from sla_monitor.timer_loop import TimerLoop


def build_runtime(
    settings: ServiceSettings,
    *,
    clock: Clock | None = None,
    configuration: ClockConfiguration | None = None,
    record_publisher: RecordPublisher | None = None,
    timers: bool = True,
) -> ServiceRuntime:
    """Returns the sla-monitor's runtime: the case's stages in, clocks and their timers out.

    At start, the open clocks computed with another configuration are recomputed, then the timer loop
    runs; timers=False leaves both out (a test runs its own, see timer_loop and recompute).
    """
    configuration = configuration or ClockConfiguration()
    clocks = configured_clocks(configuration)
    parts = service_parts(
        "sla-monitor",
        settings,
        clock=clock,
        projector=SlaProjector(),
        translators={settings.topics.events_of("router"): CaseStages(clocks)},
    )
    runtime = ServiceRuntime(parts, record_publisher=record_publisher)
    runtime.add_commit_listener(metrics.committed)
    metrics.prime(kars().institutions)
    if timers:
        loop = timer_loop(runtime, clocks)

        async def recompute_then_fire() -> None:
            await recompute(runtime, clocks, configuration)
            await loop.run()

        parts.background.append(recompute_then_fire)
    return runtime


def timer_loop(
    runtime: ServiceRuntime, clocks: Decider[CaseClocks, ClockCommand], settings: BurstSettings | None = None
) -> TimerLoop:
    """Returns the timer loop on the runtime's read engine, gateway and clock, deciding and writing
    each moment's burst ahead of it (as settings say; default: BurstSettings())."""
    preparation = BurstPreparation(
        engine=runtime.read_engine,
        store=runtime.store,
        clock=runtime.clock,
        decider=clocks,
        cache=runtime.states,
    )
    bursts = BurstFiring(
        preparation=preparation,
        gateway=runtime.gateway,
        engine=runtime.engine,
        clock=runtime.clock,
        decider=clocks,
        settings=settings or BurstSettings(),
    )
    return TimerLoop(
        engine=runtime.read_engine,
        gateway=runtime.gateway,
        clock=runtime.clock,
        clocks_decider=clocks,
        bursts=bursts,
    )


async def recompute(
    runtime: ServiceRuntime, clocks: Decider[CaseClocks, ClockCommand], configuration: ClockConfiguration
) -> int:
    """Recomputes the open clocks computed with another configuration than this one."""
    return await recompute_open_clocks(
        engine=runtime.read_engine,
        gateway=runtime.gateway,
        clock=runtime.clock,
        clocks_decider=clocks,
        config_version=configuration.version,
    )


def build_app(
    settings: ServiceSettings, *, clock: Clock | None = None, configuration: ClockConfiguration | None = None
) -> FastAPI:
    """Returns the sla-monitor's HTTP app; its lifespan runs the whole service. The clock configuration
    comes from the environment (sla_monitor/config.py) unless given."""
    runtime = build_runtime(settings, clock=clock, configuration=configuration or load_configuration())
    return create_http_app(runtime, title="Açık Kapı sla-monitor")
