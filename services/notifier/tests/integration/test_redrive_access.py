"""Who may re-drive failed SMS: a staff token of an office officer or a supervisor, nothing else.

The notifier runs in process on a SQLite file; tokens come from the local issuer in a tmp folder, and
the validator reads its JWKS file on the runtime's manual clock, as the composition root wires it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from structlog.testing import capture_logs

from acikkapi_shared.clock import ManualClock
from acikkapi_shared.staff.identity import Role
from acikkapi_shared.staff.keys import FileKeySet
from acikkapi_shared.staff.local import LocalIssuer, StaffUser
from acikkapi_shared.staff.tokens import TokenValidator
from acikkapi_shared.testing.fakes import RecordingPublisher
from acikkapi_shared.testing.in_process import running, settings_for
from acikkapi_shared.testing.served import UNREADABLE_BODIES, served
from notifier.app import build_runtime, http_app

T0 = datetime(2026, 5, 22, 11, 0, tzinfo=UTC)
REDRIVE = "/api/v1/sms/redrive"
BODY = {"failed_since": T0.isoformat()}


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def issuer(tmp_path: Path, clock: ManualClock) -> LocalIssuer:
    local = LocalIssuer(tmp_path / "staff", clock=clock)
    local.add_user(StaffUser("ayse", "Ayşe Yılmaz", (Role.OFFICE_OFFICER,)))
    local.add_user(StaffUser("zeynep", "Zeynep Kaya", (Role.SUPERVISOR,)))
    local.add_user(StaffUser("mehmet", "Mehmet Çelik", (Role.INSTITUTION_OFFICER,), "IL_OZEL_IDARE"))
    local.add_user(StaffUser("can", "Can Demir", (Role.AUDITOR,)))
    local.add_user(StaffUser("elif", "Elif Aydın", (Role.OFFICE_REVIEWER,)))
    return local


@pytest.fixture
async def app(tmp_path: Path, clock: ManualClock, issuer: LocalIssuer) -> AsyncIterator[FastAPI]:
    runtime = build_runtime(
        settings_for("notifier", tmp_path), clock=clock, record_publisher=RecordingPublisher(), dispatch=False
    )
    validator = TokenValidator(
        FileKeySet(issuer.jwks_path), issuer="acikkapi-local", audience="acikkapi", clock=runtime.clock
    )
    async with running(runtime):
        yield http_app(runtime, staff_tokens=validator)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://notifier") as http:
        yield http


@pytest.fixture
async def served_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """The notifier over real HTTP."""
    async with served(app) as base_url, httpx.AsyncClient(base_url=base_url, timeout=10) as http:
        yield http


async def redrive(client: httpx.AsyncClient, token: str | None, key: str = "k-1") -> httpx.Response:
    headers = {"Idempotency-Key": key}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return await client.post(REDRIVE, json=BODY, headers=headers)


@pytest.mark.parametrize("subject", ["ayse", "zeynep"], ids=["office officer", "supervisor"])
async def test_an_office_officer_or_a_supervisor_may_redrive(
    client: httpx.AsyncClient, issuer: LocalIssuer, subject: str
) -> None:
    answer = await redrive(client, issuer.issue_token(subject))
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"redriven": [], "count": 0, "replayed": False}


async def test_no_token_is_a_401_logged_with_the_route_template(client: httpx.AsyncClient) -> None:
    with capture_logs() as logs:
        answer = await redrive(client, None)
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == "Bearer"
    assert answer.json() == {
        "error": {"code": "missing", "message": "Oturum açmanız gerekiyor.", "field": None}
    }
    (line,) = [line for line in logs if line["event"] == "staff_access_refused"]
    assert line == {
        "event": "staff_access_refused",
        "log_level": "warning",
        "status": 401,
        "code": "missing",
        "method": "POST",
        "route": REDRIVE,
        "required_roles": ["office_officer", "supervisor"],
    }


async def test_an_expired_token_is_a_401(
    client: httpx.AsyncClient, issuer: LocalIssuer, clock: ManualClock
) -> None:
    token = issuer.issue_token("ayse", hours=1)
    clock.advance(timedelta(hours=1, minutes=1))
    answer = await redrive(client, token)
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "expired"
    assert answer.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'


async def test_a_token_of_another_key_is_a_401(
    client: httpx.AsyncClient, issuer: LocalIssuer, tmp_path: Path
) -> None:
    kid = issuer.ensure_keys()
    forged = jwt.decode(issuer.issue_token("zeynep"), options={"verify_signature": False})
    same_kid = jwt.encode(forged, Ed25519PrivateKey.generate(), algorithm="EdDSA", headers={"kid": kid})
    assert (await redrive(client, same_kid)).json()["error"]["code"] == "bad_signature"
    other_issuer = LocalIssuer(tmp_path / "elsewhere", clock=issuer.clock)
    other_issuer.add_user(StaffUser("zeynep", "Zeynep Kaya", (Role.SUPERVISOR,)))
    answer = await redrive(client, other_issuer.issue_token("zeynep"))
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "unknown_key"


async def test_a_token_for_another_audience_is_a_401(client: httpx.AsyncClient, issuer: LocalIssuer) -> None:
    elsewhere = LocalIssuer(issuer.directory, audience="another-app", clock=issuer.clock)
    answer = await redrive(client, elsewhere.issue_token("ayse"))
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "wrong_audience"


@pytest.mark.parametrize(
    ("subject", "code", "message"),
    [
        ("mehmet", "role_required", "Bu işlem için yetkiniz yok."),
        ("can", "read_only", "Denetçi rolü yalnızca görüntüleyebilir; değişiklik yapamaz."),
        ("elif", "role_required", "Bu işlem için yetkiniz yok."),
    ],
    ids=["institution officer", "auditor", "office reviewer"],
)
async def test_other_roles_are_a_403_before_anything_is_done(
    client: httpx.AsyncClient, issuer: LocalIssuer, subject: str, code: str, message: str
) -> None:
    with capture_logs() as logs:
        answer = await redrive(client, issuer.issue_token(subject))
    assert answer.status_code == 403
    assert answer.json() == {"error": {"code": code, "message": message, "field": None}}
    assert subject not in repr(logs)
    # Refused before the idempotency key was taken: the same key still works for a permitted caller.
    assert (await redrive(client, issuer.issue_token("ayse"))).status_code == 200


async def test_every_refusal_of_the_redrive_has_the_one_error_shape(
    client: httpx.AsyncClient, issuer: LocalIssuer
) -> None:
    # 400, 401, 403, 409, 422: {"error": {"code", "message", "field"}}, as the router's and intake's.
    token = {"Authorization": f"Bearer {issuer.issue_token('ayse')}"}
    await client.post(REDRIVE, json=BODY, headers={**token, "Idempotency-Key": "used"})
    answers = {
        400: await client.post(REDRIVE, json=BODY, headers=token),
        401: await redrive(client, None),
        403: await redrive(client, issuer.issue_token("elif")),
        409: await client.post(
            REDRIVE, json={"request_event_ids": []}, headers={**token, "Idempotency-Key": "used"}
        ),
        422: await client.post(
            REDRIVE, json={"failed_since": "dün"}, headers={**token, "Idempotency-Key": "x"}
        ),
    }
    codes = {}
    for status, answer in answers.items():
        assert answer.status_code == status, answer.text
        assert set(answer.json()) == {"error"} and set(answer.json()["error"]) == {"code", "message", "field"}
        assert answer.json()["error"]["message"]
        codes[status] = (answer.json()["error"]["code"], answer.json()["error"]["field"])
    assert codes == {
        400: ("IDEMPOTENCY_KEY_REQUIRED", None),
        401: ("missing", None),
        403: ("role_required", None),
        409: ("IDEMPOTENCY_KEY_REUSED", None),
        422: ("INVALID_REQUEST", "failed_since"),
    }
    # An empty selection is the redrive's own 422, in the same shape.
    empty = await client.post(REDRIVE, json={}, headers={**token, "Idempotency-Key": "e"})
    assert empty.status_code == 422 and empty.json()["error"]["code"] == "REDRIVE_SELECTION_REQUIRED"


@pytest.mark.parametrize("raw", UNREADABLE_BODIES.values(), ids=UNREADABLE_BODIES.keys())
async def test_a_redrive_with_an_unreadable_body_is_refused_for_its_token_first(
    served_client: httpx.AsyncClient, issuer: LocalIssuer, raw: bytes
) -> None:
    async def post(subject: str | None) -> httpx.Response:
        headers = {"Content-Type": "application/json", "Idempotency-Key": "k-1"}
        if subject is not None:
            headers["Authorization"] = f"Bearer {issuer.issue_token(subject)}"
        return await served_client.post(REDRIVE, content=raw, headers=headers)

    with capture_logs() as logs:
        missing = await post(None)
        auditor = await post("can")
    assert missing.status_code == 401 and missing.json()["error"]["code"] == "missing", missing.text
    assert missing.headers["WWW-Authenticate"] == "Bearer"
    assert auditor.status_code == 403 and auditor.json()["error"]["code"] == "read_only", auditor.text
    refused = [(line["status"], line["code"]) for line in logs if line["event"] == "staff_access_refused"]
    assert refused == [(401, "missing"), (403, "read_only")]
    assert {line["route"] for line in logs if line["event"] == "staff_access_refused"} == {REDRIVE}
    assert not [line for line in logs if line["event"] in {"request_invalid", "request_refused"}]
    officer = await post("ayse")  # the role's caller is told of the body, as before
    assert officer.status_code == 400 and officer.json()["error"]["code"] == "BODY_UNREADABLE"


async def test_a_redrive_body_with_a_repeated_or_unknown_key_is_refused_after_the_token(
    served_client: httpx.AsyncClient, issuer: LocalIssuer
) -> None:
    async def post(subject: str | None, raw: bytes) -> httpx.Response:
        headers = {"Content-Type": "application/json", "Idempotency-Key": "k-1"}
        if subject is not None:
            headers["Authorization"] = f"Bearer {issuer.issue_token(subject)}"
        return await served_client.post(REDRIVE, content=raw, headers=headers)

    since = T0.isoformat()
    repeated = f'{{"failed_since": "{since}", "failed_since": "{since}"}}'.encode()
    assert (await post(None, repeated)).json()["error"]["code"] == "missing"
    assert (await post("can", repeated)).json()["error"]["code"] == "read_only"
    answer = await post("ayse", repeated)
    assert answer.status_code == 422, answer.text
    assert answer.json() == {
        "error": {
            "code": "FIELD_REPEATED",
            "message": "İstekte bir alan birden fazla kez gönderildi; "
            "her alan yalnızca bir kez gönderilebilir.",
            "field": "failed_since",
        }
    }
    unknown = await post("ayse", f'{{"failed_since": "{since}", "bogus": 1}}'.encode())
    assert unknown.status_code == 422, unknown.text
    assert (unknown.json()["error"]["code"], unknown.json()["error"]["field"]) == ("INVALID_REQUEST", "bogus")
    # Neither used the key: the body given once, without the unknown key, gets the first answer.
    accepted = await post("ayse", f'{{"failed_since": "{since}"}}'.encode())
    assert accepted.status_code == 200 and accepted.json()["replayed"] is False, accepted.text
