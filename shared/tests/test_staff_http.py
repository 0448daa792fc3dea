"""The FastAPI dependencies: 401 and 403 answers, and their log lines, which carry no personal data."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import httpx
import pytest
from fastapi import Depends, FastAPI
from structlog.testing import capture_logs

from acikkapi_shared.clock import ManualClock
from acikkapi_shared.staff import http as staff_http
from acikkapi_shared.staff.identity import Role, StaffIdentity, require_action_on
from acikkapi_shared.staff.keys import FileKeySet
from acikkapi_shared.staff.local import LocalIssuer, StaffUser
from acikkapi_shared.staff.tokens import TokenValidator

NOW = datetime(2026, 5, 22, 9, 0, tzinfo=UTC)
NUMBER = "2026-000123-7"


@pytest.fixture
def issuer(tmp_path: Path) -> LocalIssuer:
    local = LocalIssuer(tmp_path, clock=ManualClock(NOW))
    local.add_user(StaffUser("mehmet", "Mehmet Çelik", (Role.INSTITUTION_OFFICER,), "IL_OZEL_IDARE"))
    local.add_user(StaffUser("ayse", "Ayşe Yılmaz", (Role.SUPERVISOR,)))
    local.add_user(StaffUser("can", "Can Demir", (Role.AUDITOR,)))
    return local


@pytest.fixture
def client(issuer: LocalIssuer) -> httpx.AsyncClient:
    app = FastAPI()
    clock = ManualClock(NOW)
    staff_http.install(
        app,
        TokenValidator(
            FileKeySet(issuer.jwks_path), issuer="acikkapi-local", audience="acikkapi", clock=clock
        ),
    )

    @app.post("/cases/{number}/answer")
    async def answer(
        number: str, identity: Annotated[StaffIdentity, Depends(staff_http.staff_identity)]
    ) -> dict[str, str]:
        require_action_on(identity, "BELEDIYE_KARS")  # the case's institution, as a service would look up
        return {"number": number}

    @app.post("/cases/{number}/close")
    async def close(
        number: str, identity: Annotated[StaffIdentity, Depends(staff_http.requires(Role.SUPERVISOR))]
    ) -> dict[str, str]:
        return {"by": identity.subject}

    @app.get("/cases/{number}/secrets")
    async def secrets(
        number: str, identity: Annotated[StaffIdentity, Depends(staff_http.requires(Role.SUPERVISOR))]
    ) -> dict[str, str]:
        return {"by": identity.subject}

    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://service")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_no_token_is_a_401_with_a_bearer_challenge_and_a_turkish_message(
    client: httpx.AsyncClient,
) -> None:
    with capture_logs() as logs:
        answer = await client.post(f"/cases/{NUMBER}/close")
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == "Bearer"
    assert answer.json() == {
        "error": {"code": "missing", "message": "Oturum açmanız gerekiyor.", "field": None}
    }
    assert logs == [
        {
            "event": "staff_access_refused",
            "log_level": "warning",
            "status": 401,
            "code": "missing",
            "method": "POST",
            "route": "/cases/{number}/close",
            "required_roles": ["supervisor"],
        }
    ]


async def test_a_bad_token_or_another_scheme_is_an_invalid_token(client: httpx.AsyncClient) -> None:
    garbled = await client.post(f"/cases/{NUMBER}/close", headers=bearer("garbled"))
    basic = await client.post(f"/cases/{NUMBER}/close", headers={"Authorization": "Basic YWxpOnNpZmpl"})
    for answer in (garbled, basic):
        assert answer.status_code == 401 and answer.json()["error"]["code"] == "malformed"
        assert answer.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'


async def test_a_missing_role_and_another_institution_are_403s_logged_without_who_or_which_case(
    client: httpx.AsyncClient, issuer: LocalIssuer
) -> None:
    token = issuer.issue_token("mehmet")
    with capture_logs() as logs:
        role = await client.post(f"/cases/{NUMBER}/close", headers=bearer(token))
        scope = await client.post(f"/cases/{NUMBER}/answer", headers=bearer(token))
    assert role.status_code == scope.status_code == 403
    assert role.json() == {
        "error": {"code": "role_required", "message": "Bu işlem için yetkiniz yok.", "field": None}
    }
    assert scope.json()["error"]["code"] == "other_institution"
    assert [(line["code"], line["route"]) for line in logs] == [
        ("role_required", "/cases/{number}/close"),
        ("other_institution", "/cases/{number}/answer"),
    ]
    text = repr(logs)
    assert "mehmet" not in text and NUMBER not in text and token not in text and "IL_OZEL_IDARE" not in text


async def test_the_auditors_write_is_read_only_and_a_read_it_may_not_make_role_required(
    client: httpx.AsyncClient, issuer: LocalIssuer
) -> None:
    token = issuer.issue_token("can")
    with capture_logs() as logs:
        write = await client.post(f"/cases/{NUMBER}/close", headers=bearer(token))
        action = await client.post(f"/cases/{NUMBER}/answer", headers=bearer(token))
        read = await client.get(f"/cases/{NUMBER}/secrets", headers=bearer(token))
    assert write.status_code == action.status_code == read.status_code == 403
    assert (
        write.json()
        == action.json()
        == {
            "error": {
                "code": "read_only",
                "message": "Denetçi rolü yalnızca görüntüleyebilir; değişiklik yapamaz.",
                "field": None,
            }
        }
    )
    assert read.json()["error"]["code"] == "role_required"
    assert [(line["code"], line["method"], line["required_roles"]) for line in logs] == [
        ("read_only", "POST", ["supervisor"]),
        ("read_only", "POST", []),
        ("role_required", "GET", ["supervisor"]),
    ]


async def test_the_right_role_passes_with_its_identity(
    client: httpx.AsyncClient, issuer: LocalIssuer
) -> None:
    answer = await client.post(f"/cases/{NUMBER}/close", headers=bearer(issuer.issue_token("ayse")))
    assert answer.status_code == 200 and answer.json() == {"by": "ayse"}
    answer = await client.post(f"/cases/{NUMBER}/answer", headers=bearer(issuer.issue_token("ayse")))
    assert answer.status_code == 200
