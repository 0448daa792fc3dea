"""The composition root of intake: build_app(settings, clock=...) wires every part once."""

from __future__ import annotations

from acikkapi_shared.clock import Clock, SystemClock
from acikkapi_shared.eventstore.database import create_engine
from acikkapi_shared.http import create_http_app
from acikkapi_shared.runtime import ServiceParts, ServiceRuntime
from acikkapi_shared.settings import ServiceSettings
from fastapi import FastAPI

from intake.entrypoints.http import status_router
from intake.handlers import PortalSubmissionHandler, StageHandler
from intake.projections import IntakeProjector, create_tables


def build_runtime(settings: ServiceSettings, *, clock: Clock | None = None) -> ServiceRuntime:
    """Returns intake's runtime: portal submissions in, stage changes from router and sla-monitor."""
    topics = settings.topics
    stages = StageHandler()
    parts = ServiceParts(
        name="intake",
        settings=settings,
        clock=clock or SystemClock(),
        engine=create_engine(settings.resolved_database_url()),
        projector=IntakeProjector(),
        create_projection_tables=create_tables,
        handlers={
            topics.portal_submissions: PortalSubmissionHandler(),
            topics.events_of("router"): stages,
            topics.events_of("sla-monitor"): stages,
        },
    )
    return ServiceRuntime(parts)


def build_app(settings: ServiceSettings, *, clock: Clock | None = None) -> FastAPI:
    """Returns intake's HTTP app; its lifespan runs the whole service."""
    runtime = build_runtime(settings, clock=clock)
    app = create_http_app(runtime, title="Açık Kapı intake")
    app.include_router(status_router(runtime))
    app.state.runtime = runtime
    return app
