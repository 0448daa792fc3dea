"""The composition root of the sla-monitor: build_app(settings, clock=...) wires every part once."""

from __future__ import annotations

from fastapi import FastAPI

from acikkapi_shared.clock import Clock
from acikkapi_shared.http import create_http_app
from acikkapi_shared.runtime import ServiceRuntime, service_parts
from acikkapi_shared.settings import ServiceSettings
from sla_monitor.domain.calendar import BusinessCalendar
from sla_monitor.handlers import RoutingHandler
from sla_monitor.projections import SlaProjector


def build_runtime(settings: ServiceSettings, *, clock: Clock | None = None) -> ServiceRuntime:
    """Returns the sla-monitor's runtime: routing decisions in, deadlines out."""
    handler = RoutingHandler(BusinessCalendar())
    return ServiceRuntime(
        service_parts(
            "sla-monitor",
            settings,
            clock=clock,
            projector=SlaProjector(),
            handlers={settings.topics.events_of("router"): handler},
        )
    )


def build_app(settings: ServiceSettings, *, clock: Clock | None = None) -> FastAPI:
    """Returns the sla-monitor's HTTP app; its lifespan runs the whole service."""
    return create_http_app(build_runtime(settings, clock=clock), title="Açık Kapı sla-monitor")
