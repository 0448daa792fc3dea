"""SimulatorControl reads and sets the simulator's test endpoints over real HTTP."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx
import pytest

from sms_gateway_sim.testing import SimulatorControl, SimulatorError, running_simulator

AUTH = ("acikkapi", "acikkapi")
SEND = "/sms/rest/v2/send"


def _body(number: str) -> dict[str, object]:
    return {"msgheader": "KARSVALILIK", "messages": [{"msg": "Başvurunuz alındı", "no": number}]}


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with running_simulator() as url:
        yield url


@pytest.fixture
def control(base_url: str) -> Iterator[SimulatorControl]:
    control = SimulatorControl(base_url + "/")
    control.clear()
    control.clear_faults()
    yield control
    control.clear_faults()


def test_sets_shows_and_clears_faults(control: SimulatorControl) -> None:
    assert control.set_faults(down=True, latency_ms=20)["down"] is True
    assert (control.faults()["down"], control.faults()["latency_ms"]) == (True, 20)
    cleared = control.clear_faults()
    assert (cleared["down"], cleared["latency_ms"]) == (False, 0)


def test_an_invalid_plan_raises_with_the_simulators_reason(control: SimulatorControl) -> None:
    with pytest.raises(SimulatorError) as refused:
        control.set_faults(account_refused="80")
    assert refused.value.status == 400
    assert "account_refused" in refused.value.detail


def test_injecting_clears_the_faults_when_the_block_fails(control: SimulatorControl, base_url: str) -> None:
    with pytest.raises(httpx.TransportError), control.injecting(down=True, drop_connection=True):
        httpx.post(base_url + SEND, json=_body("5321234567"), auth=AUTH)
    assert control.faults()["down"] is False


def test_reads_requests_messages_and_stats(control: SimulatorControl, base_url: str) -> None:
    headers = {"Idempotency-Key": "event-1"}
    for _ in range(2):
        httpx.post(base_url + SEND, json=_body("5321234567"), auth=AUTH, headers=headers).raise_for_status()
    httpx.post(base_url + SEND, json=_body("5551112233"), auth=AUTH).raise_for_status()

    assert [r["duplicate"] for r in control.requests(no="+905321234567")] == [False, True]
    since = control.requests()[2]["received_at"]
    assert [r["numbers"] for r in control.requests(since=since)] == [["5551112233"]]
    assert [m["no"] for m in control.messages(no="05321234567")] == ["5321234567"]
    stats = control.stats()
    assert (stats["accepted"], stats["duplicates"], stats["deliveries_without_idempotency"]) == (2, 1, 3)

    control.clear()
    assert (control.requests(), control.messages(), control.stats()["requests"]) == ([], [], 0)


def test_wait_for_requests_polls_until_they_are_logged(control: SimulatorControl, base_url: str) -> None:
    sender = threading.Thread(
        target=lambda: [httpx.post(base_url + SEND, json=_body("5321234567"), auth=AUTH) for _ in range(3)]
    )
    sender.start()
    try:
        assert len(control.wait_for_requests(3, timeout=5.0)) >= 3
    finally:
        sender.join()
    with pytest.raises(TimeoutError):
        control.wait_for_requests(4, timeout=0.05)
