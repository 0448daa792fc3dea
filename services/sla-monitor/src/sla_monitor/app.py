"""The composition root of the sla-monitor: build_runtime/build_app wire every part once."""

from __future__ import annotations

from fastapi import FastAPI

from acikkapi_shared.clock import Clock
from acikkapi_shared.eventstore.relay import RecordPublisher
from acikkapi_shared.http import create_http_app
from acikkapi_shared.runtime import ServiceRuntime, service_parts
from acikkapi_shared.settings import ServiceSettings
from sla_monitor import metrics
from sla_monitor.domain.calendar import BusinessCalendar
from sla_monitor.domain.case_clocks import case_clocks_decider
from sla_monitor.entrypoints.consumers import CaseStages
from sla_monitor.projections import SlaProjector


def build_runtime(
    settings: ServiceSettings,
    *,
    clock: Clock | None = None,
    calendar: BusinessCalendar | None = None,
    record_publisher: RecordPublisher | None = None,
) -> ServiceRuntime:
    """Returns the sla-monitor's runtime: routing decisions in, deadlines out."""
    clocks = case_clocks_decider(calendar or BusinessCalendar())
    parts = service_parts(
        "sla-monitor",
        settings,
        clock=clock,
        projector=SlaProjector(),
        translators={settings.topics.events_of("router"): CaseStages(clocks)},
    )
    runtime = ServiceRuntime(parts, record_publisher=record_publisher)
    runtime.add_commit_listener(metrics.committed)
    return runtime


def build_app(settings: ServiceSettings, *, clock: Clock | None = None) -> FastAPI:
    """Returns the sla-monitor's HTTP app; its lifespan runs the whole service."""
    return create_http_app(build_runtime(settings, clock=clock), title="Açık Kapı sla-monitor")
