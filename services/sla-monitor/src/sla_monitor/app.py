"""The composition root of the sla-monitor: build_app(settings, clock=...) wires every part once."""

from __future__ import annotations

from acikkapi_shared.clock import Clock, SystemClock
from acikkapi_shared.eventstore.database import create_engine
from acikkapi_shared.http import create_http_app
from acikkapi_shared.runtime import ServiceParts, ServiceRuntime
from acikkapi_shared.settings import ServiceSettings
from fastapi import FastAPI

from sla_monitor.domain.calendar import BusinessCalendar
from sla_monitor.handlers import RoutingHandler
from sla_monitor.projections import SlaProjector, create_tables


def build_runtime(settings: ServiceSettings, *, clock: Clock | None = None) -> ServiceRuntime:
    """Returns the sla-monitor's runtime: routing decisions in, deadlines out."""
    parts = ServiceParts(
        name="sla-monitor",
        settings=settings,
        clock=clock or SystemClock(),
        engine=create_engine(settings.resolved_database_url()),
        projector=SlaProjector(),
        create_projection_tables=create_tables,
        handlers={settings.topics.events_of("router"): RoutingHandler(BusinessCalendar())},
    )
    return ServiceRuntime(parts)


def build_app(settings: ServiceSettings, *, clock: Clock | None = None) -> FastAPI:
    """Returns the sla-monitor's HTTP app; its lifespan runs the whole service."""
    runtime = build_runtime(settings, clock=clock)
    app = create_http_app(runtime, title="Açık Kapı sla-monitor")
    app.state.runtime = runtime
    return app
