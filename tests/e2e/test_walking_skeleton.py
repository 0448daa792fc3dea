"""One citizen application travels the whole way, on the real broker, as a user would see it."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, date, datetime

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from tests.conftest import RunningSystem, publish, submission

pytestmark = pytest.mark.kafka


async def test_a_portal_submission_is_registered_routed_timed_and_notified(
    running_system: RunningSystem, portal: AIOKafkaProducer
) -> None:
    document = submission(submitted_at="2026-05-22T14:00:00+03:00")
    phone = document["applicant"]["phone"]
    await publish(portal, running_system.portal_topic, document)

    outcome = running_system.submission(document["submission_id"])
    assert outcome["status"] == "REGISTERED"
    number = outcome["application_number"]
    assert number.startswith("2026-")

    (sms,) = running_system.wait_for_sms(phone)
    assert number in sms["msg"]
    assert "Kars Belediyesi" in sms["msg"]
    # Fri 22 May + 7 business days (Kurban Bayramı is 26–30 May) is 5 June, checked on the status below;
    # the SMS promises that day only while it is ahead of the (real) day the SMS is written.
    promised = "05.06.2026" if datetime.now(UTC).date() <= date(2026, 6, 5) else "en kısa sürede"
    assert promised in sms["msg"]
    assert sms["msgheader"] == "KARSVALILIK"

    assert outcome["tracking_code"] in sms["msg"]
    status = running_system.status_when(
        number, outcome["tracking_code"], lambda s: s["stage"] == "ROUTED" and s.get("deadline") is not None
    )
    assert status["institution"] == {"code": "BELEDIYE_KARS", "name": "Kars Belediyesi"}
    assert datetime.fromisoformat(status["deadline"]).isoformat() == "2026-06-05T23:59:59+03:00"


async def test_the_audit_command_prints_every_service_event_of_the_application(
    running_system: RunningSystem, portal: AIOKafkaProducer
) -> None:
    document = submission(
        topic="SAGLIK",
        district="KAGIZMAN",
        text="Kağızman Devlet Hastanesi'nde randevu alamıyoruz, doktor yok.",
    )
    await publish(portal, running_system.portal_topic, document)
    number = running_system.submission(document["submission_id"])["application_number"]
    running_system.wait_for_sms(document["applicant"]["phone"])
    _wait_for_sms_accepted_event(running_system, number)

    for identifier in (number, document["submission_id"]):
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "acikkapi_cli.main",
                "audit",
                "case",
                identifier,
                "--json",
                "--data-dir",
                str(running_system.data_dir),
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        items = json.loads(result.stdout)
        types = [(item["service"], item["type"]) for item in items]
        for expected in [
            ("intake", "ApplicationRegistered"),
            ("router", "PetitionRecorded"),
            ("router", "CaseRouted"),
            ("sla-monitor", "DeadlineSet"),
            ("notifier", "SmsRequested"),
            ("notifier", "SmsAccepted"),
        ]:
            assert expected in types, (expected, types)
        assert types.index(("intake", "ApplicationRegistered")) < types.index(("router", "CaseRouted"))
        assert types.index(("router", "CaseRouted")) < types.index(("sla-monitor", "DeadlineSet"))
        assert types.index(("sla-monitor", "DeadlineSet")) < types.index(("notifier", "SmsRequested"))
        assert all({"service", "type", "occurred_at", "payload"} <= item.keys() for item in items)
        registered = next(i for i in items if i["type"] == "ApplicationRegistered")
        assert "***" in registered["payload"]["applicant"]["phone"]  # masked unless --unmasked
        assert registered["payload"]["applicant"]["name"] == "A. Y."
        petition = next(i for i in items if i["type"] == "PetitionRecorded")["payload"]
        assert (petition["text"], petition["applicant"]["name"]) == ("[61 characters]", "A. Y.")
        assert "***" in petition["applicant"]["phone"] and petition["district"] == "KAGIZMAN"


def _wait_for_sms_accepted_event(system: RunningSystem, number: str) -> None:
    import time

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "acikkapi_cli.main",
                "audit",
                "case",
                number,
                "--json",
                "--data-dir",
                str(system.data_dir),
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        if result.returncode == 0 and '"SmsAccepted"' in result.stdout:
            return
        time.sleep(0.2)
    pytest.fail("SmsAccepted was never recorded")


async def test_an_unknown_application_number_gets_a_turkish_not_found(running_system: RunningSystem) -> None:
    response = running_system.status("2026-999999-R", "K7QX-9M2D-WR4T")  # well formed, never issued
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "APPLICATION_NOT_FOUND"
    assert "bulunamadı" in response.json()["error"]["message"]


async def test_a_mistyped_application_number_is_told_apart_from_an_unknown_one(
    running_system: RunningSystem,
) -> None:
    response = running_system.status("2026-999999-X", "K7QX-9M2D-WR4T")  # check character wrong
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "APPLICATION_NUMBER_CHECK_FAILED"
    assert "kontrol" in response.json()["error"]["message"]


async def test_every_service_reports_health_readiness_and_metrics(running_system: RunningSystem) -> None:
    for name in ("intake", "router", "sla-monitor", "notifier"):
        base = running_system.url(name)
        assert httpx.get(f"{base}/healthz", timeout=5).status_code == 200
        ready = httpx.get(f"{base}/readyz", timeout=5)
        assert ready.status_code == 200, ready.text
        metrics = httpx.get(f"{base}/metrics", timeout=5).text
        assert "acikkapi_messages_consumed_total" in metrics


async def test_the_notifier_of_the_stack_takes_a_token_of_acikkapi_staff_and_refuses_a_call_without(
    running_system: RunningSystem,
) -> None:
    # `dev up` created the local issuer's keys under its var/ (ACIKKAPI_VAR_DIR): the CLI finds them there.
    def acikkapi(*argv: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "acikkapi_cli.main", *argv], capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    acikkapi("staff", "add", "e2e-office", "--name", "Ofis Görevlisi", "--role", "office_officer")
    token = acikkapi("staff", "token", "e2e-office", "--hours", "1").strip()
    url = f"{running_system.url('notifier')}/api/v1/sms/redrive"
    body = {"request_event_ids": ["00000000-0000-0000-0000-000000000000"]}
    refused = httpx.post(url, json=body, headers={"Idempotency-Key": "e2e-staff"}, timeout=10)
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "missing"
    headers = {"Idempotency-Key": "e2e-staff", "Authorization": f"Bearer {token}"}
    accepted = httpx.post(url, json=body, headers=headers, timeout=10)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["count"] == 0
