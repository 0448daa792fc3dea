"""NetgsmSmsProvider against the SMS gateway simulator over real HTTP on loopback."""

from __future__ import annotations

import socket
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from notifier.adapters.netgsm import (
    NetgsmSmsProvider,
    SmsMessage,
    SmsProvider,
    SmsRejected,
    classify_code,
)
from sms_gateway_sim.app import SimulatorSettings
from sms_gateway_sim.testing import running_simulator

TEXT = "Sayın başvuru sahibi, 2026-000123-2 numaralı başvurunuz alınmıştır."


@pytest.fixture(scope="module")
def simulator_url() -> Iterator[str]:
    with running_simulator(SimulatorSettings(allowed_headers=frozenset({"KARSVALILIK"}))) as url:
        yield url


class Control:
    """The simulator's test endpoints, reset for each test."""

    def __init__(self, client: httpx.Client) -> None:
        self._client = client

    def messages(self) -> list[dict[str, Any]]:
        answer: list[dict[str, Any]] = self._client.get("/_sim/messages").json()
        return answer

    def stats(self) -> dict[str, int]:
        answer: dict[str, int] = self._client.get("/_sim/stats").json()
        return answer

    def wait_until_accepted(self, count: int, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while self.stats()["accepted"] < count:
            assert time.monotonic() < deadline, f"fewer than {count} messages accepted"
            time.sleep(0.01)  # polling with a deadline

    def inject(self, fault: dict[str, Any]) -> None:
        self._client.post("/_sim/faults", json=fault).raise_for_status()


@pytest.fixture
def control(simulator_url: str) -> Iterator[Control]:
    with httpx.Client(base_url=simulator_url) as client:
        client.delete("/_sim/messages")
        client.delete("/_sim/faults")
        yield Control(client)


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5.0) as client:
        yield client


def _provider(base_url: str, http: httpx.AsyncClient, **overrides: Any) -> NetgsmSmsProvider:
    options: dict[str, Any] = {
        "base_url": base_url,
        "usercode": "acikkapi",
        "password": "acikkapi",
        "msgheader": "KARSVALILIK",
        "client": http,
    }
    options.update(overrides)
    return NetgsmSmsProvider(**options)


def _message(key: str = "event-1", phone: str = "+905321234567", text: str = TEXT) -> SmsMessage:
    return SmsMessage(idempotency_key=key, phone_e164=phone, text=text)


async def test_accepted_message_reaches_the_gateway_as_netgsm_json(
    simulator_url: str, control: Control, http: httpx.AsyncClient
) -> None:
    provider: SmsProvider = _provider(simulator_url, http)
    accepted = await provider.send(_message())
    [stored] = control.messages()
    assert accepted.provider_message_id == stored["jobid"]
    assert (stored["no"], stored["msg"], stored["msgheader"]) == ("5321234567", TEXT, "KARSVALILIK")
    assert (stored["encoding"], stored["iysfilter"], stored["idempotency_key"]) == (
        "TR",
        "0",
        "event-1",
    )


async def test_resending_the_same_intent_returns_the_same_job_once_stored(
    simulator_url: str, control: Control, http: httpx.AsyncClient
) -> None:
    provider = _provider(simulator_url, http)
    first = await provider.send(_message("event-7"))
    second = await provider.send(_message("event-7"))
    assert first == second
    assert len(control.messages()) == 1
    assert control.stats()["duplicates"] == 1


async def test_without_turkish_encoding_the_flag_is_left_out(
    simulator_url: str, control: Control, http: httpx.AsyncClient
) -> None:
    await _provider(simulator_url, http, turkish_encoding=False).send(_message())
    assert control.messages()[0]["encoding"] is None


async def test_typographic_marks_are_sent_as_gsm_characters(
    simulator_url: str, control: Control, http: httpx.AsyncClient
) -> None:
    await _provider(simulator_url, http).send(_message(text="Yol “kapalı”…"))
    assert control.messages()[0]["msg"] == 'Yol "kapalı"...'


@pytest.mark.parametrize(
    ("overrides", "code"),
    [({"password": "wrong"}, "30"), ({"msgheader": "UNKNOWN"}, "40")],
)
async def test_configuration_errors_are_not_retryable(
    simulator_url: str,
    control: Control,
    http: httpx.AsyncClient,
    overrides: dict[str, Any],
    code: str,
) -> None:
    with pytest.raises(SmsRejected) as rejected:
        await _provider(simulator_url, http, **overrides).send(_message())
    assert (rejected.value.code, rejected.value.retryable, rejected.value.account) == (code, False, True)
    assert control.messages() == []


@pytest.mark.parametrize(
    ("fault", "code", "account"),
    [
        ({"unauthorized": True}, "http_401", True),
        ({"account_refused": "50"}, "50", True),
        ({"account_refused": "51"}, "51", True),
        ({"fail_next": 1, "status": 406, "code": "20"}, "20", False),  # the message's own fault
        ({"fail_next": 1, "status": 406, "code": "70"}, "70", False),
    ],
)
async def test_refusals_of_the_account_are_told_from_refusals_of_a_message(
    simulator_url: str,
    control: Control,
    http: httpx.AsyncClient,
    fault: dict[str, Any],
    code: str,
    account: bool,
) -> None:
    control.inject(fault)
    with pytest.raises(SmsRejected) as rejected:
        await _provider(simulator_url, http).send(_message())
    assert (rejected.value.code, rejected.value.retryable, rejected.value.account) == (code, False, account)


async def test_non_turkish_mobile_number_is_refused_without_a_request(
    simulator_url: str, control: Control, http: httpx.AsyncClient
) -> None:
    with pytest.raises(SmsRejected) as rejected:
        await _provider(simulator_url, http).send(_message(phone="+4915112345678"))
    assert (rejected.value.code, rejected.value.retryable) == ("invalid_number", False)
    assert control.stats()["rejected"] == 0


@pytest.mark.parametrize(
    ("fault", "code"),
    [
        ({"fail_next": 1, "status": 500}, "http_500"),
        ({"fail_next": 1, "status": 503}, "http_503"),
        ({"fail_next": 1, "status": 406, "code": "80"}, "80"),
        ({"fail_next": 1, "status": 406, "code": "85"}, "85"),
        ({"fail_next": 1, "status": 406, "code": "100"}, "100"),
    ],
)
async def test_server_errors_and_throttling_are_retryable(
    simulator_url: str,
    control: Control,
    http: httpx.AsyncClient,
    fault: dict[str, Any],
    code: str,
) -> None:
    control.inject(fault)
    provider = _provider(simulator_url, http)
    with pytest.raises(SmsRejected) as rejected:
        await provider.send(_message())
    assert (rejected.value.code, rejected.value.retryable) == (code, True)
    accepted = await provider.send(_message())  # the retry with the same key goes through
    assert [m["jobid"] for m in control.messages()] == [accepted.provider_message_id]


async def test_timeout_is_retryable_and_the_retry_does_not_send_twice(
    simulator_url: str, control: Control, http: httpx.AsyncClient
) -> None:
    control.inject({"latency_ms": 300})
    async with httpx.AsyncClient(timeout=0.05) as impatient:
        with pytest.raises(SmsRejected) as rejected:
            await _provider(simulator_url, impatient).send(_message("event-slow"))
    assert (rejected.value.code, rejected.value.retryable) == ("timeout", True)
    # The gateway still took the message after the client gave up: the retry must not resend it.
    control.wait_until_accepted(1)
    await _provider(simulator_url, http).send(_message("event-slow"))
    assert len(control.messages()) == 1
    assert control.stats()["duplicates"] == 1


async def test_unreachable_gateway_is_retryable(http: httpx.AsyncClient) -> None:
    with socket.socket() as probe:  # a port that was free a moment ago and has no listener
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(SmsRejected) as rejected:
        await _provider(f"http://127.0.0.1:{port}", http).send(_message())
    assert (rejected.value.code, rejected.value.retryable) == ("network", True)


async def test_wrong_path_is_not_retryable(simulator_url: str, http: httpx.AsyncClient) -> None:
    with pytest.raises(SmsRejected) as rejected:
        await _provider(f"{simulator_url}/nothing-here", http).send(_message())
    # A wrong URL refuses every message: the account's configuration, not a message, is at fault.
    assert (rejected.value.code, rejected.value.retryable, rejected.value.account) == (
        "http_404",
        False,
        True,
    )


@pytest.mark.parametrize(
    ("code", "retryable"),
    [("20", False), ("30", False), ("40", False), ("50", False), ("70", False), ("80", True)],
)
def test_netgsm_codes_are_classified(code: str, retryable: bool) -> None:
    assert classify_code(code)[1] is retryable


def test_unknown_codes_are_treated_as_transient() -> None:
    assert classify_code("5000") == ("unknown provider code 5000", True)


async def test_a_batch_goes_as_one_job_and_a_resent_batch_is_not_stored_twice(
    simulator_url: str, control: Control, http: httpx.AsyncClient
) -> None:
    provider = _provider(simulator_url, http)
    batch = [_message(f"event-{i}", phone=f"+90532123456{i}", text=f"{TEXT} {i}") for i in range(3)]
    accepted = await provider.send_batch(batch, idempotency_key="job-key")
    stored = control.messages()
    assert [a.provider_message_id for a in accepted] == [m["id"] for m in stored]
    assert [m["no"] for m in stored] == ["5321234560", "5321234561", "5321234562"]
    again = await provider.send_batch(batch, idempotency_key="job-key")
    assert again == accepted
    assert len(control.messages()) == 3 and control.stats()["duplicates"] == 1


async def test_a_batch_with_a_number_netgsm_cannot_take_is_refused_whole(
    simulator_url: str, control: Control, http: httpx.AsyncClient
) -> None:
    provider = _provider(simulator_url, http)
    with pytest.raises(SmsRejected) as refused:
        await provider.send_batch([_message("a"), _message("b", phone="+4915112345678")], idempotency_key="k")
    assert not refused.value.retryable
    assert control.messages() == []
