"""A staff write whose body cannot be read (not JSON, nested too deep), over real HTTP: the token is
checked first (401 without one, 403 for the auditor or another role), logged as any refusal; only a
caller with the role is told the body is unreadable (400)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from acikkapi_shared.clock import ManualClock
from acikkapi_shared.staff.local import LocalIssuer
from acikkapi_shared.testing.in_process import settings_for
from acikkapi_shared.testing.served import UNREADABLE_BODIES

from .conftest import StaffApi, number_of, staff_api

ROUTE_BY_HAND = f"/api/v1/cases/{number_of(1)}/route-by-hand"


@pytest.fixture
async def served_api(tmp_path: Path, clock: ManualClock, issuer: LocalIssuer) -> AsyncIterator[StaffApi]:
    async with staff_api(settings_for("router", tmp_path), clock, issuer, over_http=True) as api:
        yield api


@pytest.mark.parametrize("raw", UNREADABLE_BODIES.values(), ids=UNREADABLE_BODIES.keys())
async def test_route_by_hand_with_an_unreadable_body_is_refused_for_its_token_first(
    served_api: StaffApi, raw: bytes
) -> None:
    async def post(subject: str | None) -> tuple[int, str, dict[str, str]]:
        headers = {"Content-Type": "application/json", "Idempotency-Key": "k-1"}
        if subject is not None:
            headers["Authorization"] = f"Bearer {served_api.token(subject)}"
        answer = await served_api.http.post(ROUTE_BY_HAND, content=raw, headers=headers)
        return answer.status_code, answer.json()["error"]["code"], dict(answer.headers)

    with capture_logs() as logs:
        status, code, headers = await post(None)
        assert (status, code, headers["www-authenticate"]) == (401, "missing", "Bearer")
        assert (await post("denetci"))[:2] == (403, "read_only")
        assert (await post("belediye"))[:2] == (403, "role_required")
    refusals = [entry for entry in logs if entry["event"] == "staff_access_refused"]
    assert [(entry["status"], entry["code"]) for entry in refusals] == [
        (401, "missing"),
        (403, "read_only"),
        (403, "role_required"),
    ]
    assert {entry["route"] for entry in refusals} == {"/api/v1/cases/{number}/route-by-hand"}
    assert not [entry for entry in logs if entry["event"] in {"request_invalid", "request_refused"}]
    assert (await post("ofis"))[:2] == (400, "BODY_UNREADABLE")  # the role's caller: the body's answer
