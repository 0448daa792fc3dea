"""The simulator's delivery-report query answers like Netgsm's POST /sms/rest/v2/report."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import httpx
import pytest

if TYPE_CHECKING:
    from conftest import Clock

AUTH = ("acikkapi", "acikkapi")
TURKEY = ZoneInfo("Europe/Istanbul")


def _day(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, TURKEY).strftime("%d.%m.%Y %H:%M:%S")


async def _send(client: httpx.AsyncClient, *numbers: str) -> str:
    messages = [{"msg": f"ileti {n}", "no": n} for n in numbers]
    body = {"msgheader": "KARSVALILIK", "messages": messages, "encoding": "TR", "iysfilter": "0"}
    answer = (await client.post("/sms/rest/v2/send", json=body, auth=AUTH)).json()
    return str(answer["jobid"])


async def _report(client: httpx.AsyncClient, clock: Clock, **body: Any) -> httpx.Response:
    query = {"startdate": _day(clock.now - 60), "stopdate": _day(clock.now + 60), **body}
    return await client.post("/sms/rest/v2/report", json=query, auth=AUTH)


async def test_a_message_is_waiting_until_the_delay_then_delivered(
    client: httpx.AsyncClient, clock: Clock
) -> None:
    await client.post("/_sim/delivery", json={"delay_ms": 5000})
    sent = clock.now
    jobid = await _send(client, "5321234567")
    [waiting] = (await _report(client, clock, jobids=[jobid])).json()["jobs"]
    assert (waiting["jobid"], waiting["number"], waiting["status"], waiting["deliveredDate"]) == (
        jobid,
        "905321234567",
        0,
        "",
    )
    clock.now += 5
    answer = (await _report(client, clock, jobids=[jobid])).json()
    assert answer["code"] == "00"
    [delivered] = answer["jobs"]
    assert delivered["status"] == 1 and delivered["deliveredDate"] == _day(sent + 5)
    assert delivered["referansID"] == f"{jobid}-1"


async def test_the_delivered_date_is_when_the_handset_got_it_not_when_the_report_is_asked(
    client: httpx.AsyncClient, clock: Clock
) -> None:
    await client.post("/_sim/delivery", json={"delay_ms": 2000, "statuses": {"5321234568": 2}})
    sent = clock.now
    jobid = await _send(client, "5321234567", "5321234568")
    clock.now += 47  # asked for well after the delivery, as a poller every 30 s does
    rows = (await _report(client, clock, jobids=[jobid])).json()["jobs"]
    assert [(row["status"], row["deliveredDate"]) for row in rows] == [(1, _day(sent + 2)), (2, "")]
    clock.now += 3600  # and the same moment however late
    later = await _report(client, clock, jobids=[jobid], startdate=_day(sent - 60))
    [delivered, _] = later.json()["jobs"]
    assert delivered["deliveredDate"] == _day(sent + 2)


async def test_planned_failures_are_reported_per_number_of_a_job(
    client: httpx.AsyncClient, clock: Clock
) -> None:
    await client.post("/_sim/delivery", json={"delay_ms": 0, "statuses": {"+905321234568": 3}})
    jobid = await _send(client, "5321234567", "5321234568", "5321234569")
    rows = (await _report(client, clock, jobids=[jobid])).json()["jobs"]
    assert [(row["number"], row["status"]) for row in rows] == [
        ("905321234567", 1),
        ("905321234568", 3),
        ("905321234569", 1),
    ]


async def test_only_the_asked_jobs_within_the_dates_page_by_page(
    client: httpx.AsyncClient, clock: Clock
) -> None:
    await client.post("/_sim/delivery", json={"delay_ms": 0})
    first = await _send(client, "5321234567", "5321234568")
    await _send(client, "5321234569")
    page = await _report(client, clock, jobids=[first], pagesize=1, pagenumber=1)
    assert [row["referansID"] for row in page.json()["jobs"]] == [f"{first}-2"]
    later = {"startdate": _day(clock.now + 120), "stopdate": _day(clock.now + 180)}
    none = await client.post("/sms/rest/v2/report", json={"jobids": [first], **later}, auth=AUTH)
    assert (none.status_code, none.json()["code"], none.json()["jobs"]) == (406, "60", None)


@pytest.mark.parametrize(
    "body",
    [
        {"jobids": "1"},
        {"pagesize": 101},
        {"pagenumber": -1},
        {"startdate": "2026-05-28 10:00"},
    ],
)
async def test_a_malformed_query_is_code_70(
    client: httpx.AsyncClient, clock: Clock, body: dict[str, Any]
) -> None:
    answer = await _report(client, clock, **body)
    assert (answer.status_code, answer.json()["code"]) == (406, "70")


async def test_wrong_credentials_are_code_30(client: httpx.AsyncClient, clock: Clock) -> None:
    query = {"startdate": _day(clock.now), "stopdate": _day(clock.now)}
    answer = await client.post("/sms/rest/v2/report", json=query, auth=("acikkapi", "wrong"))
    assert (answer.status_code, answer.json()["code"]) == (406, "30")


async def test_the_delivery_plan_is_checked_shown_and_reset(client: httpx.AsyncClient) -> None:
    assert (await client.post("/_sim/delivery", json={"statuses": {"5321234567": 0}})).status_code == 400
    assert (await client.post("/_sim/delivery", json={"delay_ms": -1})).status_code == 400
    await client.post("/_sim/delivery", json={"delay_ms": 10, "statuses": {"05321234567": 2}})
    assert (await client.get("/_sim/delivery")).json() == {"delay_ms": 10, "statuses": {"5321234567": 2}}
    assert (await client.delete("/_sim/delivery")).json() == {"delay_ms": 2000, "statuses": {}}
