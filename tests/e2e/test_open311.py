"""An Open311 integrator's request on the running system and the real broker: registered once for a
retried POST, routed, timed, told by SMS, followed through GET requests and servicerequestupdates;
the same applicant's similar portal message days later is registered and flagged, never merged."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from xml.etree import ElementTree as ET

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from intake.open311.keys import KEYS_FILE_NAME, issue
from tests.conftest import RunningSystem, publish, submission, unique_mobile

pytestmark = pytest.mark.kafka
TEXT = "Yusufpaşa Mahallesi'nde iki gündür içme suyu kesik, belediyeyi aradık ama kimse ilgilenmiyor."


def request_of(system: RunningSystem, number: str) -> ET.Element:
    answer = httpx.get(f"{system.url('intake')}/open311/v2/requests/{number}.xml", timeout=5)
    assert answer.status_code == 200, answer.text
    request = ET.fromstring(answer.content).find("request")
    assert request is not None
    return request


def wait_routed(system: RunningSystem, number: str, within: float = 30.0) -> ET.Element:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        request = request_of(system, number)
        if request.findtext("agency_responsible") and request.findtext("expected_datetime"):
            return request
        time.sleep(0.2)
    pytest.fail(f"{number} was not routed and timed within {within} s")


def audit(system: RunningSystem, number: str) -> list[dict[str, Any]]:
    command = [sys.executable, "-m", "acikkapi_cli.main", "audit", "case", number, "--json"]
    result = subprocess.run(
        [*command, "--data-dir", str(system.data_dir)], capture_output=True, text=True, check=True, timeout=60
    )
    items: list[dict[str, Any]] = json.loads(result.stdout)
    return items


async def test_an_open311_request_travels_the_whole_way_once(
    running_system: RunningSystem, portal: AIOKafkaProducer
) -> None:
    api_key = issue(running_system.data_dir / KEYS_FILE_NAME, "e2e-integrator")
    phone = unique_mobile()
    form = {
        "api_key": api_key,
        "service_code": "YEREL_YONETIMLER-SIKAYET",
        "first_name": "Ayşe",
        "last_name": "Yılmaz",
        "phone": phone,
        "attribute[DISTRICT]": "MERKEZ",
        "description": TEXT,
        "lat": "40.6013",
        "long": "43.0975",
    }
    url = f"{running_system.url('intake')}/open311/v2/requests.json"
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    first = httpx.post(url, data=form, headers=headers, timeout=10)
    assert first.status_code == 200, first.text
    assert httpx.post(url, data=form, headers=headers, timeout=10).json() == first.json()
    number = first.json()[0]["service_request_id"]

    (sms,) = running_system.wait_for_sms(phone)
    assert number in sms["msg"] and "Kars Belediyesi" in sms["msg"]
    request = wait_routed(running_system, number)
    assert request.findtext("agency_responsible") == "Kars Belediyesi"
    assert request.findtext("status") == "open"
    assert request.findtext("expected_datetime", "").endswith("+03:00")
    since = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    updates = httpx.get(
        f"{running_system.url('intake')}/open311/v2/servicerequestupdates.json",
        params={"start_date": since},
        timeout=5,
    ).json()
    assert [u["status"] for u in updates if u["service_request_id"] == number][:2] == [
        "OPEN",
        "ACTION_SCHEDULED",
    ]

    later = submission(
        submitted_at=(datetime.now(UTC) + timedelta(minutes=1)).isoformat(),
        applicant={"name": "Ayşe Yılmaz", "phone": phone},
        text=TEXT.replace("iki gündür", "üç gündür"),
    )
    await publish(portal, running_system.portal_topic, later)
    portal_number = running_system.submission(later["submission_id"])["application_number"]
    assert portal_number != number
    flagged = [
        item for item in audit(running_system, portal_number) if item["type"] == "LikelyDuplicateFlagged"
    ]
    assert len(flagged) == 1
    assert number in json.dumps(flagged[0])
    registered = [item for item in audit(running_system, number) if item["type"] == "ApplicationRegistered"]
    assert len(registered) == 1  # the retried POST registered nothing more
