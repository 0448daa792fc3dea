"""The composition root of the router: build_app(settings, clock=...) wires every part once."""

from __future__ import annotations

from fastapi import FastAPI

from acikkapi_shared.clock import Clock
from acikkapi_shared.http import create_http_app
from acikkapi_shared.runtime import ServiceRuntime, service_parts
from acikkapi_shared.settings import ServiceSettings
from router.domain.routing import RoutingTable
from router.handlers import RegistrationHandler
from router.projections import RouterProjector


def build_runtime(
    settings: ServiceSettings, *, clock: Clock | None = None, table: RoutingTable | None = None
) -> ServiceRuntime:
    """Returns the router's runtime: intake's events in, routing decisions out."""
    handler = RegistrationHandler(table or RoutingTable.load_default())
    return ServiceRuntime(
        service_parts(
            "router",
            settings,
            clock=clock,
            projector=RouterProjector(),
            handlers={settings.topics.events_of("intake"): handler},
        )
    )


def build_app(settings: ServiceSettings, *, clock: Clock | None = None) -> FastAPI:
    """Returns the router's HTTP app; its lifespan runs the whole service."""
    return create_http_app(build_runtime(settings, clock=clock), title="Açık Kapı router")
