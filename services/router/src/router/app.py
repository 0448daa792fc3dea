"""The composition root of the router: build_runtime/build_app wire every part once."""

from __future__ import annotations

from fastapi import FastAPI

from acikkapi_shared.clock import Clock
from acikkapi_shared.eventstore.relay import RecordPublisher
from acikkapi_shared.http import create_http_app
from acikkapi_shared.messaging.inbound import MessageTranslator
from acikkapi_shared.reference import ReferenceData, kars
from acikkapi_shared.runtime import ServiceRuntime, service_parts
from acikkapi_shared.settings import ServiceSettings
from router import metrics
from router.domain.case import case_decider
from router.domain.routing import RoutingTable
from router.entrypoints.consumers import RegisteredApplications
from router.entrypoints.deadlines import ClockEvents
from router.projections import RouterProjector


def build_runtime(
    settings: ServiceSettings,
    *,
    clock: Clock | None = None,
    table: RoutingTable | None = None,
    reference: ReferenceData | None = None,
    record_publisher: RecordPublisher | None = None,
) -> ServiceRuntime:
    """Returns the router's runtime: intake's and sla-monitor's events in, the cases' events out."""
    cases = case_decider(table or RoutingTable.load_default(), reference or kars())
    translators: dict[str, MessageTranslator] = {
        settings.topics.events_of("intake"): RegisteredApplications(cases),
        settings.topics.events_of("sla-monitor"): ClockEvents(),
    }
    parts = service_parts(
        "router", settings, clock=clock, projector=RouterProjector(), translators=translators
    )
    runtime = ServiceRuntime(parts, record_publisher=record_publisher)
    runtime.add_commit_listener(metrics.committed)
    return runtime


def build_app(settings: ServiceSettings, *, clock: Clock | None = None) -> FastAPI:
    """Returns the router's HTTP app; its lifespan runs the whole service."""
    return create_http_app(build_runtime(settings, clock=clock), title="Açık Kapı router")
