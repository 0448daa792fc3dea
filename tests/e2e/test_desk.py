"""The desk and Halk Günü on the running system (real HTTP, the real broker): office staff record a
meeting and enter an application received at it; it is routed, clocked and told by SMS like a portal
one, its figures come from intake's log, and the SMS delivery report reaches the applicant's timeline."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from acikkapi_shared.staff.identity import Role
from acikkapi_shared.staff.local import LocalIssuer, StaffUser
from tests.conftest import RunningSystem, unique_mobile

pytestmark = pytest.mark.kafka

WATER = "Yusufpaşa Mahallesi'nde iki gündür içme suyu kesik, belediyeyi aradık ama kimse ilgilenmiyor."


def token(system: RunningSystem, subject: str, *roles: Role) -> str:
    issuer = LocalIssuer(system.data_dir.parent / "staff")
    issuer.add_user(StaffUser(subject, subject, roles))
    return issuer.issue_token(subject)


def desk_post(
    system: RunningSystem, path: str, bearer: str, body: dict[str, Any], key: str
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {bearer}", "Idempotency-Key": key}
    return httpx.post(f"{system.url('intake')}/api/v1/desk/{path}", json=body, headers=headers, timeout=10)


def timeline_until(system: RunningSystem, number: str, code: str, label: str, within: float) -> list[Any]:
    deadline = time.monotonic() + within
    while True:
        lines: list[Any] = system.status(number, code).json()["timeline"]
        if any(line["label"] == label for line in lines):
            return lines
        if time.monotonic() > deadline:
            pytest.fail(f"no timeline line {label!r} within {within} s: {[line['label'] for line in lines]}")
        time.sleep(0.5)


async def test_a_halk_gunu_application_entered_at_the_desk_goes_the_whole_way(
    running_system: RunningSystem,
) -> None:
    system = running_system
    officer = token(system, "masa-1", Role.OFFICE_OFFICER)
    meeting = {
        "held_on": "2026-05-20",
        "chair": "Vali Ahmet Yılmaz",
        "place": "Kars Valiliği",
        "attendee_count": 21,
    }
    recorded = desk_post(system, "meetings", officer, meeting, f"meeting-{uuid.uuid4()}")
    assert recorded.status_code == 201, recorded.text
    meeting_id = recorded.json()["meeting_id"]

    phone = unique_mobile()
    body = {
        "channel": "HALK_GUNU",
        "meeting_id": meeting_id,
        "received_at": "2026-05-22T14:00:00+03:00",
        "applicant": {"name": "Ayşe Yılmaz", "phone": phone},
        "topic": "YEREL_YONETIMLER",
        "type": "SIKAYET",
        "district": "MERKEZ",
        "text": WATER,
    }
    key = str(uuid.uuid4())
    entered = desk_post(system, "applications", officer, body, key)
    assert entered.status_code == 201, entered.text
    number, code = entered.json()["application_number"], entered.json()["tracking_code"]
    retried = desk_post(system, "applications", officer, body, key)
    assert retried.json() == {**entered.json(), "replayed": True}

    (sms,) = system.wait_for_sms(phone)  # routed and clocked like a portal application
    assert number in sms["msg"] and code in sms["msg"] and "Kars Belediyesi" in sms["msg"]
    detail = httpx.get(
        f"{system.url('intake')}/api/v1/desk/meetings/{meeting_id}",
        headers={"Authorization": f"Bearer {token(system, 'denetci-1', Role.AUDITOR)}"},
        timeout=5,
    ).json()
    assert (detail["attendee_count"], detail["application_numbers"]) == (21, [number])
    figures = httpx.get(
        f"{system.url('intake')}/api/v1/desk/meetings",
        params={"year": 2026},
        headers={"Authorization": f"Bearer {officer}"},
        timeout=5,
    ).json()
    assert figures["meetings"] >= 1 and figures["attendees"] >= 21 and figures["applications"] >= 1

    # The notifier polls the simulator's delivery reports (every 30 s): the report reaches the timeline.
    lines = timeline_until(system, number, code, "Size gönderilen SMS telefonunuza ulaştı", within=90)
    assert lines[1]["stage"] == "ROUTED"
    (report,) = [line for line in lines if line["sms"]]
    assert report["sms"] == {"template": "registered", "delivered": True} and report["stage"] == "ROUTED"
    # Dated when the handset got it by the provider (the simulator: received + its delivery delay, to
    # the second), not when the notifier polled the report.
    delay_ms = httpx.get(f"{system.url('sms-gateway')}/_sim/delivery", timeout=5).json()["delay_ms"]
    reached = datetime.fromtimestamp(sms["received_at"] + delay_ms / 1000, UTC).replace(microsecond=0)
    assert datetime.fromisoformat(report["at"]) == reached
    assert phone.removeprefix("+90") not in str(lines)

    refused = httpx.post(
        f"{system.url('intake')}/api/v1/desk/applications",
        json=body,
        headers={
            "Authorization": f"Bearer {token(system, 'denetci-1', Role.AUDITOR)}",
            "Idempotency-Key": key,
        },
        timeout=5,
    )
    assert refused.status_code == 403
    assert refused.json() == {
        "error": {
            "code": "read_only",
            "message": "Denetçi rolü yalnızca görüntüleyebilir; değişiklik yapamaz.",
            "field": None,
        }
    }
