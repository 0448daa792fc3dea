"""The composition root of the router: build_app(settings, clock=...) wires every part once."""

from __future__ import annotations

from acikkapi_shared.clock import Clock, SystemClock
from acikkapi_shared.eventstore.database import create_engine
from acikkapi_shared.http import create_http_app
from acikkapi_shared.runtime import ServiceParts, ServiceRuntime
from acikkapi_shared.settings import ServiceSettings
from fastapi import FastAPI

from router.domain.routing import RoutingTable
from router.handlers import RegistrationHandler
from router.projections import RouterProjector, create_tables


def build_runtime(
    settings: ServiceSettings, *, clock: Clock | None = None, table: RoutingTable | None = None
) -> ServiceRuntime:
    """Returns the router's runtime: intake's events in, routing decisions out."""
    parts = ServiceParts(
        name="router",
        settings=settings,
        clock=clock or SystemClock(),
        engine=create_engine(settings.resolved_database_url()),
        projector=RouterProjector(),
        create_projection_tables=create_tables,
        handlers={
            settings.topics.events_of("intake"): RegistrationHandler(table or RoutingTable.load_default())
        },
    )
    return ServiceRuntime(parts)


def build_app(settings: ServiceSettings, *, clock: Clock | None = None) -> FastAPI:
    """Returns the router's HTTP app; its lifespan runs the whole service."""
    runtime = build_runtime(settings, clock=clock)
    app = create_http_app(runtime, title="Açık Kapı router")
    app.state.runtime = runtime
    return app
