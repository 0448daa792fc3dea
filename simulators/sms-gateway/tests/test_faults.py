"""Lasting fault modes answer every send until cleared; latency delays answers to handled requests."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from sms_gateway_sim.testing import running_simulator

AUTH = ("acikkapi", "acikkapi")
SEND = "/sms/rest/v2/send"
BODY = {"msgheader": "KARSVALILIK", "messages": [{"msg": "Başvurunuz alındı", "no": "5321234567"}]}


async def _set(client: httpx.AsyncClient, **plan: Any) -> dict[str, Any]:
    response = await client.post("/_sim/faults", json=plan)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def _sends(client: httpx.AsyncClient, count: int) -> list[httpx.Response]:
    return [await client.post(SEND, json=BODY, auth=AUTH) for _ in range(count)]


async def test_faults_start_off_and_show_every_mode(client: httpx.AsyncClient) -> None:
    assert (await client.get("/_sim/faults")).json() == {
        "fail_next": 0,
        "status": 500,
        "code": None,
        "latency_ms": 0,
        "down": False,
        "drop_connection": False,
        "unauthorized": False,
        "account_refused": None,
    }


async def test_down_answers_503_without_a_netgsm_body_until_cleared(client: httpx.AsyncClient) -> None:
    await _set(client, down=True)
    answers = await _sends(client, 3)
    assert [a.status_code for a in answers] == [503, 503, 503]
    assert answers[0].headers["content-type"].startswith("text/plain")
    with pytest.raises(ValueError):
        answers[0].json()
    assert (await client.get("/_sim/messages")).json() == []
    logged = (await client.get("/_sim/requests")).json()
    assert {(r["fault"], r["status"], r["code"], r["jobid"]) for r in logged} == {("down", 503, None, None)}
    assert len(logged) == 3

    await client.delete("/_sim/faults")
    assert (await client.post(SEND, json=BODY, auth=AUTH)).json()["code"] == "00"
    stats = (await client.get("/_sim/stats")).json()
    assert (stats["faults"], stats["accepted"], stats["deliveries_without_idempotency"]) == (3, 1, 1)


async def test_unauthorized_answers_401_with_a_basic_challenge(client: httpx.AsyncClient) -> None:
    await _set(client, unauthorized=True)
    answers = await _sends(client, 2)
    assert [a.status_code for a in answers] == [401, 401]
    assert answers[0].headers["www-authenticate"].startswith("Basic")
    assert [r["fault"] for r in (await client.get("/_sim/requests")).json()] == ["unauthorized"] * 2
    await client.delete("/_sim/faults")
    assert (await client.post(SEND, json=BODY, auth=AUTH)).status_code == 200


@pytest.mark.parametrize("code", ["30", 30, "40", "50", "51"])
async def test_account_refused_answers_406_with_its_code(client: httpx.AsyncClient, code: object) -> None:
    assert (await _set(client, account_refused=code))["account_refused"] == str(code)
    answers = await _sends(client, 2)
    assert {(a.status_code, a.json()["code"], a.json()["jobid"]) for a in answers} == {(406, str(code), None)}
    [first, _] = (await client.get("/_sim/requests")).json()
    assert (first["fault"], first["code"], first["auth_passed"]) == ("account_refused", str(code), True)
    stats = (await client.get("/_sim/stats")).json()
    assert (stats["faults"], stats["rejected"]) == (2, 0)  # injected, not the request's fault
    await client.delete("/_sim/faults")
    assert (await client.post(SEND, json=BODY, auth=AUTH)).status_code == 200


@pytest.mark.parametrize(
    "plan",
    [
        {"account_refused": "80"},  # a rate limit passes; fail_next models it
        {"account_refused": "00"},
        {"account_refused": True},
        {"down": "true"},
        {"unauthorized": 1},
        {"down": True, "drop": True},
        {"drop_connection": True},  # says how the provider is down, so it needs down
    ],
)
async def test_invalid_fault_plans_are_refused(client: httpx.AsyncClient, plan: dict[str, Any]) -> None:
    assert (await client.post("/_sim/faults", json=plan)).status_code == 400
    assert (await client.get("/_sim/faults")).json()["down"] is False


async def test_the_outermost_lasting_mode_answers_and_fail_next_waits(client: httpx.AsyncClient) -> None:
    await _set(client, down=True, unauthorized=True, account_refused="30", fail_next=1)
    assert [a.status_code for a in await _sends(client, 2)] == [503, 503]
    await _set(client, unauthorized=True, account_refused="30", fail_next=1)
    assert [a.status_code for a in await _sends(client, 2)] == [401, 401]
    plan = await _set(client, account_refused="30", fail_next=1)
    assert [a.status_code for a in await _sends(client, 2)] == [406, 406]
    assert (await client.get("/_sim/faults")).json()["fail_next"] == plan["fail_next"] == 1


async def test_latency_also_delays_fault_answers(client: httpx.AsyncClient) -> None:
    await _set(client, down=True, latency_ms=100)
    started = time.monotonic()
    assert (await client.post(SEND, json=BODY, auth=AUTH)).status_code == 503
    assert time.monotonic() - started >= 0.1
    assert (await client.get("/_sim/requests")).json()[0]["latency_ms"] == 100


def test_a_client_that_times_out_during_latency_still_leaves_the_message_accepted() -> None:
    with running_simulator() as base_url, httpx.Client(base_url=base_url, timeout=5.0) as control:
        control.post("/_sim/faults", json={"latency_ms": 1000}).raise_for_status()
        started = time.monotonic()
        with pytest.raises(httpx.ReadTimeout):
            httpx.post(base_url + SEND, json=BODY, auth=AUTH, timeout=httpx.Timeout(5.0, read=0.05))
        # Handled before the delay: the message is already there while the answer still waits.
        [message] = control.get("/_sim/messages").json()
        [logged] = control.get("/_sim/requests").json()
        assert time.monotonic() - started < 1.0
        assert (logged["status"], logged["code"], logged["jobid"]) == (200, "00", message["jobid"])
        assert logged["latency_ms"] == 1000
