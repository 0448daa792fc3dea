"""The composition root of intake: build_runtime/build_app wire every part once."""

from __future__ import annotations

import secrets
from datetime import timedelta

from fastapi import FastAPI
from pydantic_settings import BaseSettings, SettingsConfigDict

from acikkapi_shared.clock import Clock
from acikkapi_shared.eventstore.relay import RecordPublisher
from acikkapi_shared.http import create_http_app
from acikkapi_shared.http_errors import install_validation_answers
from acikkapi_shared.messaging.inbound import MessageTranslator
from acikkapi_shared.runtime import ServiceRuntime, service_parts
from acikkapi_shared.settings import ServiceSettings
from acikkapi_shared.staff import http as staff_http
from acikkapi_shared.staff.settings import build_validator
from acikkapi_shared.staff.tokens import TokenValidator
from intake import metrics
from intake.domain.tracking_code import TokenBytes
from intake.entrypoints.applicant_actions import actions_router
from intake.entrypoints.consumers import PortalSubmissions
from intake.entrypoints.desk import desk_router
from intake.entrypoints.desk_meetings import meetings_router
from intake.entrypoints.http import status_router
from intake.entrypoints.office import office_router
from intake.entrypoints.private_answers import PrivateAnswers
from intake.entrypoints.upstream import clock_changes, router_stages, sms_reports
from intake.open311.wiring import open311_routes
from intake.projections import IntakeProjector
from intake.tracking_page import front_door
from intake.tracking_page.routes import tracking_page_router
from intake.tracking_page.settings import TrackingSettings


class IntakeSettings(BaseSettings):
    """intake's own settings (ACIKKAPI_INTAKE_*)."""

    model_config = SettingsConfigDict(env_prefix="ACIKKAPI_INTAKE_", extra="ignore")

    # How old a portal submission's receipt moment may be when intake reads it (a re-send after an
    # outage); older ones are rejected with SUBMITTED_AT_OUT_OF_RANGE.
    max_receipt_age_days: int = 30


def build_runtime(
    settings: ServiceSettings,
    *,
    clock: Clock | None = None,
    token_bytes: TokenBytes = secrets.token_bytes,
    record_publisher: RecordPublisher | None = None,
) -> ServiceRuntime:
    """Returns intake's runtime: portal submissions in, the timeline from router and sla-monitor."""
    topics = settings.topics
    translators: dict[str, MessageTranslator] = {
        topics.portal_submissions: PortalSubmissions(
            token_bytes, timedelta(days=IntakeSettings().max_receipt_age_days)
        ),
        topics.events_of("router"): router_stages(),
        topics.events_of("sla-monitor"): clock_changes(),
        topics.events_of("notifier"): sms_reports(),
    }
    parts = service_parts(
        "intake", settings, clock=clock, projector=IntakeProjector(), translators=translators
    )
    runtime = ServiceRuntime(parts, record_publisher=record_publisher)
    runtime.add_commit_listener(metrics.committed)
    return runtime


def build_app(
    settings: ServiceSettings,
    *,
    clock: Clock | None = None,
    token_bytes: TokenBytes = secrets.token_bytes,
    record_publisher: RecordPublisher | None = None,
    staff_tokens: TokenValidator | None = None,
) -> FastAPI:
    """Returns intake's HTTP app; its lifespan runs the whole service.

    staff_tokens validates the office's bearer tokens (the desk, the duplicates' view); by default the
    key set and issuer of the ACIKKAPI_STAFF_* settings, on the runtime's clock.
    """
    runtime = build_runtime(settings, clock=clock, token_bytes=token_bytes, record_publisher=record_publisher)
    app = create_http_app(runtime, title="Açık Kapı intake")
    # Its answers carry tracking codes and applicants' data: never cached, never a referrer.
    app.add_middleware(PrivateAnswers)
    tracking = TrackingSettings()
    limiter = tracking.limiter()  # one per process: the API's and the page's failures count together
    app.include_router(status_router(runtime, limiter))
    app.include_router(actions_router(runtime, limiter))
    # The office (staff only): applications entered at the desk, Halk Günü meetings, likely duplicates.
    staff_http.install(app, staff_tokens or build_validator(clock=runtime.clock))
    # Outside the JSON API a browser is led to the tracking page, or shown its Turkish 404 page.
    install_validation_answers(app, only_under=("/api/v1/",), elsewhere=front_door.refused_elsewhere)
    max_age = timedelta(days=IntakeSettings().max_receipt_age_days)
    app.include_router(desk_router(runtime, token_bytes, max_age))
    app.include_router(meetings_router(runtime))
    app.include_router(office_router(runtime))
    app.include_router(open311_routes(runtime, token_bytes))
    app.include_router(tracking_page_router(runtime, limiter, tracking.signer()))
    app.include_router(front_door.front_door_router())
    return app
