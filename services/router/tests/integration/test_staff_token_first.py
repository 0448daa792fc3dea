"""A staff write whose body cannot be read (not JSON, nested too deep) or gives a key twice, over real
HTTP: the token is checked first (401 without one, 403 for the auditor or another role), logged as any
refusal; only a caller with the role is told what is wrong with the body (400, or 422 FIELD_REPEATED
before anything is recorded or the Idempotency-Key is used)."""

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


async def test_a_command_body_that_repeats_a_key_is_refused_after_the_token_and_records_nothing(
    served_api: StaffApi,
) -> None:
    await served_api.register(number_of(1))
    assert (await served_api.post("belediye", number_of(1), "acknowledge", key="ack")).status_code == 200
    triage = number_of(2)
    await served_api.register(triage, topic="DIGER", text="genel bir konu hakkında")
    before = await served_api.events(number_of(1)), await served_api.events(triage)

    async def post(subject: str | None, path: str, raw: bytes) -> tuple[int, dict[str, object]]:
        headers = {"Content-Type": "application/json", "Idempotency-Key": "k-1"}
        if subject is not None:
            headers["Authorization"] = f"Bearer {served_api.token(subject)}"
        answer = await served_api.http.post(path, content=raw, headers=headers)
        return answer.status_code, answer.json()["error"]

    routed = b'{"institution": "BELEDIYE_KARS", "reason": "Su.", "institution": "MEM"}'
    route = f"/api/v1/cases/{triage}/route-by-hand"
    assert [(await post(who, route, routed))[1]["code"] for who in (None, "denetci", "belediye")] == [
        "missing",
        "read_only",
        "role_required",
    ]
    assert await post("ofis", route, routed) == (
        422,
        {
            "code": "FIELD_REPEATED",
            "message": "İstekte bir alan birden fazla kez gönderildi; "
            "her alan yalnızca bir kez gönderilebilir.",
            "field": "institution",
        },
    )
    answer = "Yaya geçidi 10 gün içinde boyanacaktır."
    answered = f'{{"answer": "{answer}", "answer": "x"}}'.encode()
    status, error = await post("belediye", f"/api/v1/cases/{number_of(1)}/answer", answered)
    assert (status, error["code"], error["field"]) == (422, "FIELD_REPEATED", "answer")
    assert (await served_api.events(number_of(1)), await served_api.events(triage)) == before
    # The key was not used: the same key with the body given once is the command's first answer.
    again = await served_api.post("ofis", triage, "route-by-hand", {"institution": "MEM", "reason": "Su."})
    assert again.status_code == 200 and again.json()["replayed"] is False, again.text
