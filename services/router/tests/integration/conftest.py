"""The router's staff API in process: built by its composition root on an SQLite file and on PostgreSQL
(each test on both), fed intake's and the sla-monitor's events through its processor, called over ASGI
with local-issuer tokens."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from acikkapi_shared.application_numbers import format_application_number
from acikkapi_shared.clock import ManualClock
from acikkapi_shared.events.base import EventPayload
from acikkapi_shared.events.envelope import EventEnvelope
from acikkapi_shared.events.intake import Applicant, ApplicationRegistered
from acikkapi_shared.eventstore.codec import PayloadCodec
from acikkapi_shared.runtime import ServiceRuntime
from acikkapi_shared.settings import ServiceSettings
from acikkapi_shared.staff.identity import Role
from acikkapi_shared.staff.keys import FileKeySet
from acikkapi_shared.staff.local import LocalIssuer, StaffUser
from acikkapi_shared.staff.tokens import TokenValidator
from acikkapi_shared.testing.fakes import RecordingPublisher
from acikkapi_shared.testing.in_process import Feed, running, settings_for, upstream
from acikkapi_shared.testing.served import served
from router.app import build_runtime, http_app

NOW = datetime(2026, 5, 22, 11, 0, 5, tzinfo=UTC)
WATER = "Yusufpaşa Mahallesi'nde iki gündür içme suyu kesik, belediyeyi aradık ama kimse ilgilenmiyor."
APPLICANT = Applicant(name="Ayşe Yılmaz", phone="+905321234567", tckn="10000000146")

USERS = [
    StaffUser("belediye", "Ali Kaya", (Role.INSTITUTION_OFFICER,), "BELEDIYE_KARS"),
    StaffUser("ilozel", "Mehmet Çelik", (Role.INSTITUTION_OFFICER,), "IL_OZEL_IDARE"),
    StaffUser("ofis", "Ayşe Yılmaz", (Role.OFFICE_OFFICER,)),
    StaffUser("inceleme", "Elif Aydın", (Role.OFFICE_REVIEWER,)),
    StaffUser("sef", "Zeynep Kaya", (Role.SUPERVISOR,)),
    StaffUser("denetci", "Can Demir", (Role.AUDITOR,)),
]


def number_of(sequence: int) -> str:
    """Returns the application number of this sequence in 2026 (its check character right: the staff
    routes refuse one that cannot be a number)."""
    return format_application_number(2026, sequence)


@dataclass
class StaffApi:
    """The running router and what a test does with it."""

    runtime: ServiceRuntime
    http: httpx.AsyncClient
    issuer: LocalIssuer
    clock: ManualClock
    feed: Feed

    def token(self, subject: str) -> str:
        """Returns a valid token of a known user."""
        return self.issuer.issue_token(subject)

    async def post(
        self, subject: str | None, number: str, command: str, body: Any = None, *, key: str | None = "k-1"
    ) -> httpx.Response:
        """Sends a command as this user (None: without a token) with this Idempotency-Key."""
        headers = {} if key is None else {"Idempotency-Key": key}
        if subject is not None:
            headers["Authorization"] = f"Bearer {self.token(subject)}"
        return await self.http.post(f"/api/v1/cases/{number}/{command}", json=body, headers=headers)

    async def get(self, subject: str, path: str, **params: Any) -> httpx.Response:
        """Reads as this user."""
        headers = {"Authorization": f"Bearer {self.token(subject)}"}
        return await self.http.get(path, params=params, headers=headers)

    async def register(
        self,
        number: str,
        *,
        text: str = WATER,
        topic: str = "YEREL_YONETIMLER",
        district: str = "MERKEZ",
        kind: str = "SIKAYET",
        applicant: Applicant = APPLICANT,
        **more: Any,
    ) -> ApplicationRegistered:
        """Feeds intake's registration of an application (more: its other fields): the router routes
        it; returns it."""
        registered = ApplicationRegistered(
            application_number=number,
            tracking_code="K7QX-9M2D-WR4T",
            submission_id=f"sub-{number}",
            channel="WEB",
            received_at=self.clock.now(),
            topic=topic,
            type=kind,
            district=district,
            text=text,
            applicant=applicant,
            **more,
        )
        await self.deliver("intake", upstream("intake", registered, correlation_id=number, occurred_at=NOW))
        return registered

    def sla_event(self, number: str, payload: EventPayload) -> EventEnvelope:
        """Returns an sla-monitor event about the case, as that service would have recorded it."""
        return upstream("sla-monitor", payload, correlation_id=number, occurred_at=self.clock.now())

    async def deliver(self, service: str, event: EventEnvelope) -> None:
        """Delivers one event of another service's topic to the router's processor."""
        topic = self.runtime.settings.topics.events_of(service)
        await self.runtime.processor.process([self.feed.event(topic, event)])

    async def events(self, stream_id: str) -> list[EventEnvelope]:
        """Returns the stream's events in the router's log."""
        async with self.runtime.engine.connect() as connection:
            return await self.runtime.store.load_stream(connection, stream_id)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def issuer(tmp_path: Path, clock: ManualClock) -> LocalIssuer:
    local = LocalIssuer(tmp_path / "staff", clock=clock)
    for user in USERS:
        local.add_user(user)
    return local


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def router_settings(tmp_path: Path, request: pytest.FixtureRequest) -> ServiceSettings:
    """The router's settings on an SQLite file, or on PostgreSQL (a fresh database per test)."""
    settings = settings_for("router", tmp_path)
    if request.param == "postgres":  # the same contract on PostgreSQL
        settings = settings.model_copy(
            update={"database_url": request.getfixturevalue("postgres_database_url")}
        )
    return settings


@pytest.fixture
async def api(
    router_settings: ServiceSettings, clock: ManualClock, issuer: LocalIssuer
) -> AsyncIterator[StaffApi]:
    async with staff_api(router_settings, clock, issuer) as running_api:
        yield running_api


@contextlib.asynccontextmanager
async def staff_api(
    settings: ServiceSettings,
    clock: ManualClock,
    issuer: LocalIssuer,
    codec: PayloadCodec | None = None,
    *,
    over_http: bool = False,
) -> AsyncIterator[StaffApi]:
    """Runs the router built by its composition root (with this payload codec) and its staff API,
    called over ASGI or (over_http) served by uvicorn on a free port."""
    runtime = build_runtime(settings, clock=clock, record_publisher=RecordingPublisher(), codec=codec)
    validator = TokenValidator(
        FileKeySet(issuer.jwks_path), issuer="acikkapi-local", audience="acikkapi", clock=runtime.clock
    )
    async with running(runtime), contextlib.AsyncExitStack() as stack:
        app = http_app(runtime, staff_tokens=validator)
        if over_http:
            http = httpx.AsyncClient(base_url=await stack.enter_async_context(served(app)), timeout=10)
        else:
            http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://router")
        async with http:
            yield StaffApi(runtime, http, issuer, clock, Feed())
