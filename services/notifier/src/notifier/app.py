"""The composition root of the notifier: build_app(settings, clock=..., provider=...)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from acikkapi_shared.clock import Clock
from acikkapi_shared.eventstore.relay import RecordPublisher
from acikkapi_shared.http import create_http_app
from acikkapi_shared.http_errors import install_validation_answers
from acikkapi_shared.messaging.inbound import MessageTranslator
from acikkapi_shared.reference import ReferenceData, kars
from acikkapi_shared.runtime import ServiceRuntime, service_parts
from acikkapi_shared.settings import ServiceSettings
from acikkapi_shared.staff import http as staff_http
from acikkapi_shared.staff.settings import build_validator
from acikkapi_shared.staff.tokens import TokenValidator
from notifier import metrics
from notifier.adapters.netgsm import NetgsmSmsProvider
from notifier.adapters.netgsm_reports import NetgsmReportClient
from notifier.adapters.sms import SmsProvider
from notifier.dispatcher import SmsDispatcher
from notifier.domain.case import case_decider
from notifier.domain.quiet_hours import QuietHours
from notifier.domain.stage_table import load_stage_table
from notifier.domain.tracking_address import TrackingAddress
from notifier.entrypoints.consumers import CaseEvents
from notifier.entrypoints.http import sms_router
from notifier.projections import NotifierProjector
from notifier.report_poller import DeliveryReportPoller, DeliveryReports


class SmsSettings(BaseSettings):
    """The SMS provider account (ACIKKAPI_SMS_*); defaults match the local gateway simulator."""

    model_config = SettingsConfigDict(env_prefix="ACIKKAPI_SMS_", extra="ignore")

    base_url: str = "http://127.0.0.1:8025"
    usercode: str = "acikkapi"
    password: str = "acikkapi"
    msgheader: str = "KARSVALILIK"
    timeout_seconds: float = 10.0
    # A job's lease: no other instance sends it within this time; it must outlast a send (the
    # timeout above, bounded as a whole at twice it) and the outcome's recording.
    lease_seconds: float = 60.0
    # Quiet hours ("HH:MM" on the wall clock of quiet_hours_zone; equal: none): a non-urgent SMS
    # decided in them is held until they end.
    quiet_hours_start: str = "22:00"
    quiet_hours_end: str = "08:00"
    quiet_hours_zone: str = "Europe/Istanbul"
    # Delivery reports: asked every interval for SMS accepted within the window (Netgsm allows a few
    # report queries a minute).
    report_interval_seconds: float = 30.0
    report_window_hours: float = 72.0

    def quiet_hours(self) -> QuietHours:
        """Returns the configured quiet hours."""
        return QuietHours.parse(self.quiet_hours_start, self.quiet_hours_end, self.quiet_hours_zone)


class NotifierSettings(BaseSettings):
    """The notifier's own settings (ACIKKAPI_NOTIFIER_*)."""

    model_config = SettingsConfigDict(env_prefix="ACIKKAPI_NOTIFIER_", extra="ignore")

    # The tracking page's public address (intake's /takip behind the public name), written in the SMS
    # that send the applicant there; empty: they name the page without an address. Checked at start
    # (TrackingAddress.parse: http/https, GSM-7, short enough for every SMS's segment budget).
    tracking_url: str = ""

    @field_validator("tracking_url")
    @classmethod
    def _tracking_url_can_be_sent(cls, value: str) -> str:
        if value:
            TrackingAddress.parse(value)
        return value

    def tracking_address(self) -> TrackingAddress | None:
        """Returns the tracking page's address, None when none is configured."""
        return TrackingAddress.parse(self.tracking_url) if self.tracking_url else None


def instance_id_of(settings: ServiceSettings) -> str:
    """Returns the id this instance leases SMS jobs under: its configured instance id (unique among
    running instances, as Kafka's static membership already needs), or one drawn per process."""
    return settings.instance_id or f"notifier-{uuid.uuid4().hex[:12]}"


def build_runtime(
    settings: ServiceSettings,
    *,
    clock: Clock | None = None,
    provider: SmsProvider | None = None,
    reference: ReferenceData | None = None,
    record_publisher: RecordPublisher | None = None,
    dispatch: bool = True,
    reports: DeliveryReports | None = None,
) -> ServiceRuntime:
    """Returns the notifier's runtime: intake's, router's and sla-monitor's events in, SMS out.

    dispatch=False leaves the SMS dispatcher and the delivery report poller out (a test builds its
    own with build_dispatcher and build_report_poller).
    """
    address = NotifierSettings().tracking_address()
    cases = case_decider(reference or kars(), SmsSettings().quiet_hours(), address)
    case_events = CaseEvents(cases, load_stage_table())
    translators: dict[str, MessageTranslator] = {
        settings.topics.events_of("intake"): case_events,
        settings.topics.events_of("router"): case_events,
        settings.topics.events_of("sla-monitor"): case_events,
    }
    parts = service_parts(
        "notifier", settings, clock=clock, projector=NotifierProjector(), translators=translators
    )
    runtime = ServiceRuntime(parts, record_publisher=record_publisher)
    runtime.add_commit_listener(metrics.committed)
    metrics.prime()
    if dispatch:
        dispatcher = build_dispatcher(runtime, provider, instance_id=instance_id_of(settings))
        runtime.add_commit_listener(dispatcher.notify)
        parts.background.append(dispatcher.run)
        parts.background.append(build_report_poller(runtime, reports).run)
    return runtime


def build_report_poller(
    runtime: ServiceRuntime, reports: DeliveryReports | None = None, **options: Any
) -> DeliveryReportPoller:
    """Returns the delivery report poller on the runtime's database and gateway (Netgsm's report API
    when no reports are given); options are DeliveryReportPoller's tuning arguments."""
    sms = SmsSettings()
    if reports is None:
        client = httpx.AsyncClient(timeout=sms.timeout_seconds)
        reports = NetgsmReportClient(
            base_url=sms.base_url, usercode=sms.usercode, password=sms.password, client=client
        )
    options.setdefault("interval", sms.report_interval_seconds)
    options.setdefault("window", timedelta(hours=sms.report_window_hours))
    return DeliveryReportPoller(
        engine=runtime.read_engine, gateway=runtime.gateway, clock=runtime.clock, reports=reports, **options
    )


def build_dispatcher(
    runtime: ServiceRuntime, provider: SmsProvider | None, *, instance_id: str, **options: Any
) -> SmsDispatcher:
    """Returns the SMS dispatcher on the runtime's database and gateway (Netgsm when no provider is
    given); options are SmsDispatcher's tuning arguments."""
    sms = SmsSettings()
    if provider is None:
        client = httpx.AsyncClient(timeout=sms.timeout_seconds, limits=httpx.Limits(max_connections=64))
        provider = NetgsmSmsProvider(
            base_url=sms.base_url,
            usercode=sms.usercode,
            password=sms.password,
            msgheader=sms.msgheader,
            client=client,
        )
    options.setdefault("send_timeout", 2 * sms.timeout_seconds)
    options.setdefault("lease", timedelta(seconds=max(sms.lease_seconds, 2 * sms.timeout_seconds + 10)))
    return SmsDispatcher(
        engine=runtime.read_engine,  # the dispatcher only reads; its writes go through the gateway
        gateway=runtime.gateway,
        clock=runtime.clock,
        provider=provider,
        instance_id=instance_id,
        **options,
    )


def http_app(runtime: ServiceRuntime, *, staff_tokens: TokenValidator | None = None) -> FastAPI:
    """Returns the notifier's HTTP app on a runtime; its lifespan runs the runtime.

    staff_tokens validates the staff endpoints' bearer tokens; by default the key set and issuer of
    the ACIKKAPI_STAFF_* settings, on the runtime's clock.
    """
    app = create_http_app(runtime, title="Açık Kapı notifier")
    staff_http.install(app, staff_tokens or build_validator(clock=runtime.clock))
    install_validation_answers(app)
    app.include_router(sms_router(runtime.gateway))
    return app


def build_app(
    settings: ServiceSettings, *, clock: Clock | None = None, staff_tokens: TokenValidator | None = None
) -> FastAPI:
    """Returns the notifier's HTTP app; its lifespan runs the whole service."""
    return http_app(build_runtime(settings, clock=clock), staff_tokens=staff_tokens)
