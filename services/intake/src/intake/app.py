"""The composition root of intake: build_app(settings, clock=...) wires every part once."""

from __future__ import annotations

from fastapi import FastAPI

from acikkapi_shared.clock import Clock
from acikkapi_shared.http import create_http_app
from acikkapi_shared.messaging.processor import MessageHandler
from acikkapi_shared.runtime import ServiceRuntime, service_parts
from acikkapi_shared.settings import ServiceSettings
from intake.entrypoints.http import status_router
from intake.handlers import PortalSubmissionHandler, StageHandler
from intake.projections import IntakeProjector


def build_runtime(settings: ServiceSettings, *, clock: Clock | None = None) -> ServiceRuntime:
    """Returns intake's runtime: portal submissions in, stage changes from router and sla-monitor."""
    topics = settings.topics
    stages = StageHandler()
    handlers: dict[str, MessageHandler] = {
        topics.portal_submissions: PortalSubmissionHandler(),
        topics.events_of("router"): stages,
        topics.events_of("sla-monitor"): stages,
    }
    return ServiceRuntime(
        service_parts("intake", settings, clock=clock, projector=IntakeProjector(), handlers=handlers)
    )


def build_app(settings: ServiceSettings, *, clock: Clock | None = None) -> FastAPI:
    """Returns intake's HTTP app; its lifespan runs the whole service."""
    runtime = build_runtime(settings, clock=clock)
    app = create_http_app(runtime, title="Açık Kapı intake")
    app.include_router(status_router(runtime))
    return app
