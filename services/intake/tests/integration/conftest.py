"""intake served over real HTTP (uvicorn on a free port of 127.0.0.1) on SQLite, without Kafka: the
relay publishes to a recording publisher; upstream events are fed to the processor directly."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from acikkapi_shared.clock import ManualClock
from acikkapi_shared.runtime import ServiceRuntime
from acikkapi_shared.staff.identity import Role
from acikkapi_shared.staff.local import LocalIssuer, StaffUser
from acikkapi_shared.testing.fakes import RecordingPublisher
from acikkapi_shared.testing.in_process import Feed, settings_for
from acikkapi_shared.testing.served import served
from intake.app import build_app
from intake.open311.keys import issue

OPEN311_NOW = datetime(2026, 5, 22, 11, 0, 5, tzinfo=UTC)
OPEN311_TEXT = "Yusufpaşa Mahallesi'nde iki gündür içme suyu kesik, belediyeyi aradık ama kimse ilgilenmiyor."


@dataclass
class Served:
    """intake listening on a port, an httpx client to it and an integrator's Open311 key."""

    runtime: ServiceRuntime
    client: httpx.AsyncClient
    base_url: str
    api_key: str
    clock: ManualClock
    feed: Feed
    staff: LocalIssuer  # users: ayse (office officer), mehmet (institution officer)

    async def open311_request(self, **changes: str) -> dict[str, Any]:
        """Posts a valid Open311 request (with the form's fields changed) and returns the answer's
        request: service_request_id (the application number) and token (the submission id)."""
        form = {
            "api_key": self.api_key,
            "service_code": "YEREL_YONETIMLER-SIKAYET",
            "first_name": "Ayşe",
            "last_name": "Yılmaz",
            "phone": "+905321234567",
            "attribute[DISTRICT]": "MERKEZ",
            "description": OPEN311_TEXT,
            **changes,
        }
        answer = await self.client.post("/open311/v2/requests.json", data=form)
        assert answer.status_code == 200, answer.text
        request: dict[str, Any] = answer.json()[0]
        return request


@pytest.fixture
async def served_intake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Served]:
    keys_file = tmp_path / "keys.json"
    monkeypatch.setenv("ACIKKAPI_INTAKE_OPEN311_KEYS_FILE", str(keys_file))
    api_key = issue(keys_file, "test-integrator")
    clock = ManualClock(OPEN311_NOW)
    staff = LocalIssuer(tmp_path / "staff", clock=clock)
    staff.add_user(StaffUser("ayse", "Ayşe Yılmaz", (Role.OFFICE_OFFICER,)))
    staff.add_user(StaffUser("mehmet", "Mehmet Çelik", (Role.INSTITUTION_OFFICER,), "IL_OZEL_IDARE"))
    monkeypatch.setenv("ACIKKAPI_STAFF_JWKS_FILE", str(staff.jwks_path))
    app = build_app(settings_for("intake", tmp_path), clock=clock, record_publisher=RecordingPublisher())
    async with (
        served(app, lifespan="on") as base_url,
        httpx.AsyncClient(base_url=base_url, timeout=10) as client,
    ):
        yield Served(app.state.runtime, client, base_url, api_key, clock, Feed(), staff)
