"""A drop_connection outage closes the connection without any answer: the client sees a network error."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import httpx
import pytest

from sms_gateway_sim.testing import running_simulator

AUTH = ("acikkapi", "acikkapi")
SEND = "/sms/rest/v2/send"
BODY = {"msgheader": "KARSVALILIK", "messages": [{"msg": "Başvurunuz alındı", "no": "5321234567"}]}
DROP = {"down": True, "drop_connection": True}


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with running_simulator() as url:
        yield url


@pytest.fixture
def control(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=5.0) as client:
        client.delete("/_sim/messages")
        client.delete("/_sim/faults")
        yield client


def test_every_send_is_dropped_unanswered_until_cleared(base_url: str, control: httpx.Client) -> None:
    control.post("/_sim/faults", json=DROP).raise_for_status()
    with httpx.Client(base_url=base_url, timeout=5.0) as sender:
        for _ in range(3):  # each on a fresh connection: the pool forgets a dropped one
            with pytest.raises(httpx.TransportError):
                sender.post(SEND, json=BODY, auth=AUTH)
        logged = control.get("/_sim/requests").json()
        assert [(r["fault"], r["status"], r["code"], r["jobid"]) for r in logged] == [
            ("drop_connection", None, None, None)
        ] * 3
        assert control.get("/_sim/messages").json() == []
        assert control.get("/_sim/stats").json()["faults"] == 3

        control.delete("/_sim/faults").raise_for_status()
        assert sender.post(SEND, json=BODY, auth=AUTH).json()["code"] == "00"


def test_the_drop_comes_after_the_latency(base_url: str, control: httpx.Client) -> None:
    control.post("/_sim/faults", json={**DROP, "latency_ms": 150}).raise_for_status()
    started = time.monotonic()
    with pytest.raises(httpx.TransportError):
        httpx.post(base_url + SEND, json=BODY, auth=AUTH, timeout=5.0)
    assert time.monotonic() - started >= 0.15


def test_the_server_logs_nothing_for_a_dropped_connection(
    base_url: str, control: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    control.post("/_sim/faults", json=DROP).raise_for_status()
    uvicorn_logger = logging.getLogger("uvicorn")  # uvicorn's logging set-up stops it at this logger
    uvicorn_logger.addHandler(caplog.handler)
    try:
        with caplog.at_level(logging.WARNING), pytest.raises(httpx.TransportError):
            httpx.post(base_url + SEND, json=BODY, auth=AUTH, timeout=5.0)
        control.get("/healthz").raise_for_status()  # the server is still serving
    finally:
        uvicorn_logger.removeHandler(caplog.handler)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


async def test_without_a_server_that_can_drop_an_outage_answers_503(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="sms_gateway_sim.app"):
        assert (await client.post("/_sim/faults", json=DROP)).json()["drop_connection"] is True
    assert "cannot drop connections" in caplog.text
    assert (await client.post(SEND, json=BODY, auth=AUTH)).status_code == 503
    assert (await client.get("/_sim/requests")).json()[0]["fault"] == "down"
