"""The composition root of the router: build_runtime/build_app wire every part once."""

from __future__ import annotations

from fastapi import FastAPI

from acikkapi_shared.clock import Clock
from acikkapi_shared.eventstore.codec import PayloadCodec
from acikkapi_shared.eventstore.relay import RecordPublisher
from acikkapi_shared.http import create_http_app
from acikkapi_shared.messaging.inbound import MessageTranslator
from acikkapi_shared.reference import ReferenceData, kars
from acikkapi_shared.runtime import ServiceRuntime, service_parts
from acikkapi_shared.settings import ServiceSettings
from acikkapi_shared.staff import http as staff_http
from acikkapi_shared.staff.settings import build_validator
from acikkapi_shared.staff.tokens import TokenValidator
from router import metrics
from router.domain.case import case_decider
from router.domain.combined import Router
from router.domain.routing import Routes
from router.entrypoints.consumers import RegisteredApplications
from router.entrypoints.deadlines import ClockEvents
from router.entrypoints.http_common import install_validation_answers
from router.entrypoints.staff_commands import command_router
from router.entrypoints.staff_views import views_router
from router.projections import RouterProjector


def build_runtime(
    settings: ServiceSettings,
    *,
    clock: Clock | None = None,
    table: Routes | None = None,
    reference: ReferenceData | None = None,
    record_publisher: RecordPublisher | None = None,
    codec: PayloadCodec | None = None,
) -> ServiceRuntime:
    """Returns the router's runtime: intake's and sla-monitor's events in, the cases' events out.

    codec stands between the log's stored and decoded payloads (default: stored as they are).
    """
    reference = reference or kars()
    cases = case_decider(table or Router.load_default(), reference)
    translators: dict[str, MessageTranslator] = {
        settings.topics.events_of("intake"): RegisteredApplications(cases),
        settings.topics.events_of("sla-monitor"): ClockEvents(),
    }
    parts = service_parts(
        "router", settings, clock=clock, projector=RouterProjector(), translators=translators
    )
    parts.codec = codec
    runtime = ServiceRuntime(parts, record_publisher=record_publisher)
    runtime.add_commit_listener(metrics.committed)
    metrics.prime(reference.institutions)
    runtime.scrape_refreshers.add(
        "open_cases",
        metrics.open_cases_refresher(runtime.read_engine, reference.institutions),
        min_interval=10,
    )
    return runtime


def http_app(
    runtime: ServiceRuntime,
    *,
    staff_tokens: TokenValidator | None = None,
    table: Routes | None = None,
    reference: ReferenceData | None = None,
) -> FastAPI:
    """Returns the router's HTTP app on a runtime (the staff API under /api/v1); its lifespan runs it.

    staff_tokens validates the bearer tokens; by default the key set and issuer of the
    ACIKKAPI_STAFF_* settings, on the runtime's clock.
    """
    reference = reference or kars()
    cases = case_decider(table or Router.load_default(), reference)
    app = create_http_app(runtime, title="Açık Kapı router")
    staff_http.install(
        app, staff_tokens or build_validator(clock=runtime.clock, institutions=reference.institutions)
    )
    install_validation_answers(app)
    app.include_router(command_router(runtime.gateway, cases))
    app.include_router(views_router(runtime.read_engine, runtime.store, reference))
    return app


def build_app(
    settings: ServiceSettings, *, clock: Clock | None = None, staff_tokens: TokenValidator | None = None
) -> FastAPI:
    """Returns the router's HTTP app; its lifespan runs the whole service."""
    return http_app(build_runtime(settings, clock=clock), staff_tokens=staff_tokens)
