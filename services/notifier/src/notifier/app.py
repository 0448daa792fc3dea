"""The composition root of the notifier: build_app(settings, clock=..., provider=...)."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from pydantic_settings import BaseSettings, SettingsConfigDict

from acikkapi_shared.clock import Clock
from acikkapi_shared.eventstore.relay import RecordPublisher
from acikkapi_shared.http import create_http_app
from acikkapi_shared.messaging.inbound import MessageTranslator
from acikkapi_shared.reference import ReferenceData, kars
from acikkapi_shared.runtime import ServiceRuntime, service_parts
from acikkapi_shared.settings import ServiceSettings
from notifier import metrics
from notifier.adapters.netgsm import NetgsmSmsProvider
from notifier.adapters.sms import SmsProvider
from notifier.dispatcher import SmsDispatcher
from notifier.domain.case import case_decider
from notifier.entrypoints.consumers import CaseEvents
from notifier.projections import NotifierProjector


class SmsSettings(BaseSettings):
    """The SMS provider account (ACIKKAPI_SMS_*); defaults match the local gateway simulator."""

    model_config = SettingsConfigDict(env_prefix="ACIKKAPI_SMS_", extra="ignore")

    base_url: str = "http://127.0.0.1:8025"
    usercode: str = "acikkapi"
    password: str = "acikkapi"
    msgheader: str = "KARSVALILIK"
    timeout_seconds: float = 10.0


def build_runtime(
    settings: ServiceSettings,
    *,
    clock: Clock | None = None,
    provider: SmsProvider | None = None,
    reference: ReferenceData | None = None,
    record_publisher: RecordPublisher | None = None,
) -> ServiceRuntime:
    """Returns the notifier's runtime: intake's and sla-monitor's events in, SMS out."""
    case_events = CaseEvents(case_decider(reference or kars()))
    translators: dict[str, MessageTranslator] = {
        settings.topics.events_of("intake"): case_events,
        settings.topics.events_of("sla-monitor"): case_events,
    }
    parts = service_parts(
        "notifier", settings, clock=clock, projector=NotifierProjector(), translators=translators
    )
    runtime = ServiceRuntime(parts, record_publisher=record_publisher)
    runtime.add_commit_listener(metrics.committed)
    if provider is None:
        sms = SmsSettings()
        client = httpx.AsyncClient(timeout=sms.timeout_seconds, limits=httpx.Limits(max_connections=64))
        provider = NetgsmSmsProvider(
            base_url=sms.base_url,
            usercode=sms.usercode,
            password=sms.password,
            msgheader=sms.msgheader,
            client=client,
        )
    dispatcher = SmsDispatcher(
        engine=runtime.engine, gateway=runtime.gateway, clock=runtime.clock, provider=provider
    )
    runtime.add_commit_listener(dispatcher.notify)
    parts.background.append(dispatcher.run)
    return runtime


def build_app(settings: ServiceSettings, *, clock: Clock | None = None) -> FastAPI:
    """Returns the notifier's HTTP app; its lifespan runs the whole service."""
    return create_http_app(build_runtime(settings, clock=clock), title="Açık Kapı notifier")
