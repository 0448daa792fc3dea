"""The simulator answers like Netgsm, keeps what it accepts, dedupes and injects faults."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from sms_gateway_sim.app import SimulatorSettings, create_app

if TYPE_CHECKING:
    from conftest import Clock

AUTH = ("acikkapi", "acikkapi")
SEND = "/sms/rest/v2/send"


def _body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "msgheader": "KARSVALILIK",
        "messages": [{"msg": "Başvurunuz alınmıştır.", "no": "5321234567"}],
        "encoding": "TR",
        "iysfilter": "0",
    }
    body.update(overrides)
    return body


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


async def test_accepted_message_gets_a_jobid_and_is_listed(client: httpx.AsyncClient, clock: Clock) -> None:
    response = await client.post(SEND, json=_body(), auth=AUTH)
    assert response.status_code == 200
    answer = response.json()
    assert answer["code"] == "00" and answer["jobid"]
    [message] = (await client.get("/_sim/messages")).json()
    assert message["jobid"] == answer["jobid"]
    assert (message["no"], message["msg"], message["msgheader"]) == (
        "5321234567",
        "Başvurunuz alınmıştır.",
        "KARSVALILIK",
    )
    assert message["encoding"] == "TR"
    assert message["received_at"] == clock.now
    assert message["received_at_iso"].startswith("2026-05-28T")


@pytest.mark.parametrize("number", ["5321234567", "905321234567", "+905321234567", "05321234567"])
async def test_turkish_mobile_numbers_are_normalised(client: httpx.AsyncClient, number: str) -> None:
    messages = [{"msg": "x", "no": number}]
    assert (await client.post(SEND, json=_body(messages=messages), auth=AUTH)).status_code == 200
    assert (await client.get("/_sim/messages")).json()[0]["no"] == "5321234567"


@pytest.mark.parametrize(
    ("auth", "body", "code"),
    [
        (("acikkapi", "wrong"), _body(), "30"),
        (None, _body(), "30"),
        (AUTH, _body(msgheader=""), "40"),
        (AUTH, _body(msgheader="TWELVECHARSX"), "40"),
        (AUTH, _body(messages=[{"msg": "", "no": "5321234567"}]), "20"),
        (AUTH, _body(messages=[{"msg": "x", "no": "4321234567"}]), "70"),
        (AUTH, _body(messages=[{"msg": "x", "no": "532123456"}]), "70"),
        (AUTH, _body(messages=[]), "70"),
        (AUTH, _body(encoding="UTF8"), "70"),
        (AUTH, {"messages": [{"msg": "x", "no": "5321234567"}]}, "70"),
    ],
)
async def test_invalid_requests_get_netgsm_codes_with_406(
    client: httpx.AsyncClient, auth: tuple[str, str] | None, body: dict[str, Any], code: str
) -> None:
    response = await client.post(SEND, json=body, auth=auth if auth is not None else httpx.USE_CLIENT_DEFAULT)
    assert response.status_code == 406
    assert response.json()["code"] == code
    assert (await client.get("/_sim/messages")).json() == []
    assert (await client.get("/_sim/stats")).json()["rejected"] == 1


async def test_body_that_is_not_json_is_a_parameter_error(client: httpx.AsyncClient) -> None:
    response = await client.post(SEND, content=b"msgheader=X", auth=AUTH)
    assert (response.status_code, response.json()["code"]) == (406, "70")


async def test_same_idempotency_key_returns_the_same_job_and_stores_once(
    client: httpx.AsyncClient,
) -> None:
    headers = {"Idempotency-Key": "event-1"}
    first = await client.post(SEND, json=_body(), auth=AUTH, headers=headers)
    second = await client.post(SEND, json=_body(), auth=AUTH, headers=headers)
    other = await client.post(SEND, json=_body(), auth=AUTH, headers={"Idempotency-Key": "event-2"})
    assert first.json()["jobid"] == second.json()["jobid"] != other.json()["jobid"]
    assert len((await client.get("/_sim/messages")).json()) == 2
    assert (await client.get("/_sim/stats")).json() == {
        "accepted": 2,
        "duplicates": 1,
        "rejected": 0,
        "faults": 0,
        "requests": 3,
        "duplicate_messages": 1,
        "deliveries_without_idempotency": 3,
    }


async def test_messages_filter_by_number_and_time(client: httpx.AsyncClient, clock: Clock) -> None:
    await client.post(SEND, json=_body(), auth=AUTH)
    clock.now += 10
    other = [{"msg": "y", "no": "5551112233"}]
    await client.post(SEND, json=_body(messages=other), auth=AUTH)
    by_number = (await client.get("/_sim/messages", params={"no": "+905551112233"})).json()
    assert [m["msg"] for m in by_number] == ["y"]
    since = (await client.get("/_sim/messages", params={"since": str(clock.now - 5)})).json()
    assert [m["no"] for m in since] == ["5551112233"]
    assert (await client.get("/_sim/messages", params={"since": "yesterday"})).status_code == 400


async def test_delete_forgets_messages_keys_counters_and_the_file(
    client: httpx.AsyncClient, store_path: Path
) -> None:
    await client.post(SEND, json=_body(), auth=AUTH, headers={"Idempotency-Key": "k"})
    assert (await client.delete("/_sim/messages")).status_code == 200
    assert (await client.get("/_sim/messages")).json() == []
    assert (await client.get("/_sim/stats")).json()["accepted"] == 0
    assert _read(store_path) == ""
    again = await client.post(SEND, json=_body(), auth=AUTH, headers={"Idempotency-Key": "k"})
    assert again.status_code == 200
    assert (await client.get("/_sim/stats")).json()["duplicates"] == 0


async def test_store_file_is_appended_and_loaded_on_start(
    client: httpx.AsyncClient, store_path: Path, clock: Clock
) -> None:
    first = await client.post(SEND, json=_body(), auth=AUTH, headers={"Idempotency-Key": "k1"})
    lines = _read(store_path).splitlines()
    assert [json.loads(line)["jobid"] for line in lines] == [first.json()["jobid"]]

    restarted = create_app(SimulatorSettings(store_path=store_path), clock=clock)
    async with restarted.router.lifespan_context(restarted):
        transport = httpx.ASGITransport(app=restarted)
        async with httpx.AsyncClient(transport=transport, base_url="http://sim") as again:
            assert len((await again.get("/_sim/messages")).json()) == 1
            repeat = await again.post(SEND, json=_body(), auth=AUTH, headers={"Idempotency-Key": "k1"})
            assert repeat.json()["jobid"] == first.json()["jobid"]
            fresh = await again.post(SEND, json=_body(), auth=AUTH)
            assert fresh.json()["jobid"] != first.json()["jobid"]


async def test_fail_next_answers_the_given_status_then_recovers(client: httpx.AsyncClient) -> None:
    plan = await client.post("/_sim/faults", json={"fail_next": 2, "status": 500})
    assert plan.json()["fail_next"] == 2
    statuses = [(await client.post(SEND, json=_body(), auth=AUTH)).status_code for _ in range(3)]
    assert statuses == [500, 500, 200]
    assert (await client.get("/_sim/stats")).json()["faults"] == 2
    assert len((await client.get("/_sim/messages")).json()) == 1


async def test_fault_can_carry_a_netgsm_throttling_code(client: httpx.AsyncClient) -> None:
    await client.post("/_sim/faults", json={"fail_next": 1, "status": 406, "code": "80"})
    response = await client.post(SEND, json=_body(), auth=AUTH)
    assert (response.status_code, response.json()["code"]) == (406, "80")


async def test_latency_is_applied_until_faults_are_cleared(client: httpx.AsyncClient) -> None:
    assert (await client.post("/_sim/faults", json={"latency_ms": 1})).status_code == 200
    assert (await client.get("/_sim/faults")).json()["latency_ms"] == 1
    assert (await client.post(SEND, json=_body(), auth=AUTH)).status_code == 200
    await client.delete("/_sim/faults")
    assert (await client.get("/_sim/faults")).json()["latency_ms"] == 0


async def test_unknown_fault_fields_are_refused(client: httpx.AsyncClient) -> None:
    assert (await client.post("/_sim/faults", json={"fail": 1})).status_code == 400


async def test_healthz(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}


async def test_job_ids_stay_unique_across_a_clear_and_a_restart(
    client: httpx.AsyncClient, store_path: Path, clock: Clock
) -> None:
    for _ in range(3):
        await client.post(SEND, json=_body(), auth=AUTH)
    await client.delete("/_sim/messages")
    kept = (await client.post(SEND, json=_body(), auth=AUTH)).json()["jobid"]

    restarted = create_app(SimulatorSettings(store_path=store_path), clock=clock)
    async with restarted.router.lifespan_context(restarted):
        transport = httpx.ASGITransport(app=restarted)
        async with httpx.AsyncClient(transport=transport, base_url="http://sim") as again:
            fresh = (await again.post(SEND, json=_body(), auth=AUTH)).json()["jobid"]
    assert int(fresh) > int(kept)
