"""The raw request log keeps every send request as it arrived, duplicates by key included."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from sms_gateway_sim.app import SimulatorSettings, create_app

if TYPE_CHECKING:
    from conftest import Clock

AUTH = ("acikkapi", "acikkapi")
SEND = "/sms/rest/v2/send"


def _to(*numbers: str) -> dict[str, Any]:
    """A valid send body with one message to each number."""
    messages = [{"msg": f"Başvurunuz alındı ({n})", "no": n} for n in numbers]
    return {"msgheader": "KARSVALILIK", "messages": messages, "encoding": "TR", "iysfilter": "0"}


async def _requests(client: httpx.AsyncClient, **params: str) -> list[dict[str, Any]]:
    response = await client.get("/_sim/requests", params=params)
    assert response.status_code == 200
    answer: list[dict[str, Any]] = response.json()
    return answer


async def test_an_accepted_request_is_logged_with_its_answer(client: httpx.AsyncClient, clock: Clock) -> None:
    body = _to("+905321234567", "05551112233")
    answer = (await client.post(SEND, json=body, auth=AUTH, headers={"Idempotency-Key": "event-1"})).json()
    assert await _requests(client) == [
        {
            "seq": 1,
            "received_at": clock.now,
            "received_at_iso": "2026-05-28T20:26:40+00:00",
            "idempotency_key": "event-1",
            "auth_passed": True,
            "numbers": ["5321234567", "5551112233"],
            "message_count": 2,
            "status": 200,
            "code": "00",
            "jobid": answer["jobid"],
            "duplicate": False,
            "fault": None,
            "latency_ms": 0,
        }
    ]


async def test_a_duplicate_by_key_stays_visible_and_counts_as_a_real_netgsm_delivery(
    client: httpx.AsyncClient,
) -> None:
    headers = {"Idempotency-Key": "event-1"}
    first = (await client.post(SEND, json=_to("5321234567", "5551112233"), auth=AUTH, headers=headers)).json()
    await client.post(SEND, json=_to("5321234567", "5551112233"), auth=AUTH, headers=headers)
    await client.post(SEND, json=_to("5321234567"), auth=AUTH)  # no key: never a duplicate

    logged = await _requests(client)
    assert [(r["seq"], r["jobid"], r["duplicate"]) for r in logged] == [
        (1, first["jobid"], False),
        (2, first["jobid"], True),
        (3, logged[2]["jobid"], False),
    ]
    assert logged[2]["idempotency_key"] is None
    assert len((await client.get("/_sim/messages")).json()) == 3
    stats = (await client.get("/_sim/stats")).json()
    assert (stats["accepted"], stats["duplicates"], stats["duplicate_messages"]) == (3, 1, 2)
    # A real Netgsm ignores the key: it would have delivered both copies of the first job.
    assert (stats["requests"], stats["deliveries_without_idempotency"]) == (3, 5)


async def test_refused_requests_are_logged_with_what_they_carried(client: httpx.AsyncClient) -> None:
    await client.post(SEND, json=_to("5321234567"), auth=("acikkapi", "wrong"))
    await client.post(SEND, content=b"msgheader=X", auth=AUTH)
    await client.post(SEND, json=_to("4321234567"), auth=AUTH)

    logged = await _requests(client)
    assert [(r["auth_passed"], r["status"], r["code"], r["jobid"]) for r in logged] == [
        (False, 406, "30", None),
        (True, 406, "70", None),
        (True, 406, "70", None),
    ]
    assert [(r["numbers"], r["message_count"]) for r in logged] == [
        (["5321234567"], 1),
        ([], 0),
        (["4321234567"], 1),  # not a Turkish mobile number: kept as sent
    ]
    stats = (await client.get("/_sim/stats")).json()
    assert (stats["rejected"], stats["requests"], stats["deliveries_without_idempotency"]) == (3, 3, 0)


async def test_an_injected_failure_is_logged_as_a_fault(client: httpx.AsyncClient) -> None:
    await client.post("/_sim/faults", json={"fail_next": 1, "status": 500})
    await client.post(SEND, json=_to("5321234567"), auth=AUTH)
    [logged] = await _requests(client)
    assert (logged["status"], logged["code"], logged["jobid"]) == (500, "100", None)
    assert logged["fault"] == "fail_next"
    stats = (await client.get("/_sim/stats")).json()
    assert (stats["faults"], stats["rejected"], stats["accepted"]) == (1, 0, 0)


async def test_requests_filter_by_number_and_time(client: httpx.AsyncClient, clock: Clock) -> None:
    await client.post(SEND, json=_to("5321234567"), auth=AUTH)
    clock.now += 10
    await client.post(SEND, json=_to("5551112233", "5321234567"), auth=AUTH)
    clock.now += 10
    await client.post(SEND, json=_to("5551112233"), auth=AUTH)

    assert [r["seq"] for r in await _requests(client, no="+905321234567")] == [1, 2]
    assert [r["seq"] for r in await _requests(client, since=str(clock.now - 10))] == [2, 3]
    assert [r["seq"] for r in await _requests(client, no="5551112233", since="2026-05-28T20:26:45")] == [2, 3]
    assert (await client.get("/_sim/requests", params={"since": "yesterday"})).status_code == 400


async def test_delete_messages_also_forgets_requests_and_their_file(
    client: httpx.AsyncClient, store_path: Path
) -> None:
    requests_file = store_path.with_name("sms.requests.jsonl")
    await client.post(SEND, json=_to("5321234567"), auth=AUTH)
    assert requests_file.read_text(encoding="utf-8") != ""

    await client.delete("/_sim/messages")
    assert await _requests(client) == []
    assert (await client.get("/_sim/stats")).json()["deliveries_without_idempotency"] == 0
    assert requests_file.read_text(encoding="utf-8") == ""
    await client.post(SEND, json=_to("5321234567"), auth=AUTH)
    assert [r["seq"] for r in await _requests(client)] == [1]


async def test_requests_are_stored_beside_the_messages_and_loaded_on_start(
    client: httpx.AsyncClient, store_path: Path, clock: Clock
) -> None:
    headers = {"Idempotency-Key": "k1"}
    await client.post(SEND, json=_to("5321234567"), auth=AUTH, headers=headers)
    await client.post(SEND, json=_to("5321234567"), auth=AUTH, headers=headers)
    lines = store_path.with_name("sms.requests.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["duplicate"] for line in lines] == [False, True]

    restarted = create_app(SimulatorSettings(store_path=store_path), clock=clock)
    async with restarted.router.lifespan_context(restarted):
        transport = httpx.ASGITransport(app=restarted)
        async with httpx.AsyncClient(transport=transport, base_url="http://sim") as again:
            stats = (await again.get("/_sim/stats")).json()
            assert (stats["requests"], stats["duplicates"]) == (2, 1)
            assert stats["deliveries_without_idempotency"] == 2
            await again.post(SEND, json=_to("5321234567"), auth=AUTH)
            assert [r["seq"] for r in await _requests(again)] == [1, 2, 3]
