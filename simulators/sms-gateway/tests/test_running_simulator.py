"""The simulator serves real HTTP on loopback and its command line reads its options."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from sms_gateway_sim.__main__ import parse_args
from sms_gateway_sim.app import SimulatorSettings
from sms_gateway_sim.testing import running_simulator


async def test_serves_over_real_http_with_configured_credentials() -> None:
    settings = SimulatorSettings(usercode="kars", password="s3cret")
    with running_simulator(settings) as base_url:
        async with httpx.AsyncClient(base_url=base_url) as client:
            body = {"msgheader": "KARS", "messages": [{"msg": "Merhaba", "no": "5321234567"}]}
            ok = await client.post("/sms/rest/v2/send", json=body, auth=("kars", "s3cret"))
            refused = await client.post("/sms/rest/v2/send", json=body, auth=("acikkapi", "x"))
    assert ok.json()["code"] == "00"
    assert refused.json()["code"] == "30"


async def test_every_get_address_answers_head_without_a_body() -> None:
    with running_simulator(SimulatorSettings()) as base_url:
        async with httpx.AsyncClient(base_url=base_url) as client:
            for path in ("/healthz", "/_sim/messages", "/_sim/stats"):
                head = await client.head(path)
                got = await client.get(path)
                assert (head.status_code, head.content) == (200, b""), path
                assert head.headers["content-type"] == got.headers["content-type"], path


def test_options_default_to_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACIKKAPI_SMS_SIM_PORT", "9025")
    monkeypatch.setenv("ACIKKAPI_SMS_SIM_STORE", "/tmp/x.jsonl")
    args = parse_args([])
    assert (args.host, args.port, Path(args.store)) == ("127.0.0.1", 9025, Path("/tmp/x.jsonl"))
    assert parse_args(["--port", "8030"]).port == 8030
