"""Open311 over real HTTP after the router and the sla-monitor spoke: the institution, the due moment,
open/closed and the servicerequestupdates extension; and likely duplicates across channels."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from xml.etree import ElementTree as ET

import sqlalchemy as sa

from acikkapi_shared.events.envelope import EventEnvelope
from acikkapi_shared.events.notifier import SmsDelivered
from acikkapi_shared.events.router import CaseAcknowledged, CaseConcluded, CaseRouted
from acikkapi_shared.events.sla_monitor import DeadlineSet
from acikkapi_shared.testing.in_process import UpstreamCase
from intake.projections import likely_duplicates

NOW = datetime(2026, 5, 22, 11, 0, 5, tzinfo=UTC)
DUE = datetime(2026, 6, 5, 20, 59, 59, tzinfo=UTC)
INSTITUTION = "BELEDIYE_KARS"
UPDATE_CHILDREN = [
    "update_id",
    "service_request_id",
    "status",
    "external_status_code",
    "updated_datetime",
    "description",
    "media_url",
]
TEXT = "Yusufpaşa Mahallesi'nde iki gündür içme suyu kesik, belediyeyi aradık ama kimse ilgilenmiyor."


async def register(served: Any, **changes: str) -> str:
    number: str = (await served.open311_request(**{"description": TEXT, **changes}))["service_request_id"]
    return number


async def office_reads_numbers_as_typed(
    served: Any, office: dict[str, str], earlier: str, later: str
) -> None:
    """The office's filter reads a number as the citizen API does (case, blanks), and refuses one that
    cannot be a number (400, the citizen API's codes) instead of answering "no duplicates"."""
    for typed in (earlier.lower(), f" {earlier.replace('-', ' ').lower()} ", earlier.replace("-", "")):
        shown = await served.client.get(
            "/api/v1/office/duplicates", params={"application_number": typed}, headers=office
        )
        assert shown.status_code == 200, (typed, shown.text)
        assert [d["earlier_application_number"] for d in shown.json()] == [earlier], typed
    wrong_check = earlier[:-1] + ("B" if earlier[-1] != "B" else "C")
    for typed, code in (
        (wrong_check, "APPLICATION_NUMBER_CHECK_FAILED"),
        ("garbage", "APPLICATION_NUMBER_MALFORMED"),
        (later + "0", "APPLICATION_NUMBER_MALFORMED"),
    ):
        refused = await served.client.get(
            "/api/v1/office/duplicates", params={"application_number": typed}, headers=office
        )
        assert refused.status_code == 400, (typed, refused.text)
        assert refused.json()["error"]["code"] == code
        assert refused.json()["error"]["field"] == "application_number"
        assert refused.json()["error"]["message"].startswith("Başvuru numarası")


async def feed(served: Any, service: str, *events: EventEnvelope) -> None:
    topic = served.runtime.settings.topics.events_of(service)
    await served.runtime.processor.process([served.feed.event(topic, event) for event in events])


def routed(case: UpstreamCase) -> EventEnvelope:
    """Returns the router's event routing the case to the municipality."""
    return case.event(
        "router",
        CaseRouted(
            application_number=case.number,
            institution=INSTITUTION,
            institution_name="Kars Belediyesi",
            rule="water",
            confidence=0.9,
            matched=["su"],
            table_version="t",
            received_at=NOW,
        ),
    )


def deadline_set(number: str) -> DeadlineSet:
    """Returns the sla-monitor's due moment for the routed case."""
    return DeadlineSet(
        application_number=number, institution=INSTITUTION, received_at=NOW, budget_days=7, due_at=DUE
    )


async def test_the_institution_the_due_moment_and_every_stage_as_updates(served_intake: Any) -> None:
    number = await register(served_intake)
    case = UpstreamCase(number, NOW)
    routing = routed(case)
    deadline = deadline_set(number)
    await feed(served_intake, "sla-monitor", case.event("sla-monitor", deadline, routing))
    await feed(served_intake, "router", routing)
    request = (await served_intake.client.get(f"/open311/v2/requests/{number}.json")).json()[0]
    assert request["agency_responsible"] == "Kars Belediyesi"
    assert request["expected_datetime"] == "2026-06-05T23:59:59+03:00"
    assert request["status"] == "open" and request["status_notes"] == "Başvurunuz ilgili kuruma iletildi"
    acknowledged = case.event("router", CaseAcknowledged(application_number=number, institution=INSTITUTION))
    concluded = case.event(
        "router",
        CaseConcluded(
            application_number=number,
            institution=INSTITUTION,
            outcome="RESOLVED",
            answer="Arıza giderildi.",
            reasons="",
        ),
    )
    delivered = case.event(
        "notifier",
        SmsDelivered(
            application_number=number,
            request_event_id="r-1",
            provider_message_id="p-1",
            template="ROUTED",
            delivered_at=NOW,
            status=1,
        ),
    )
    await feed(served_intake, "notifier", delivered)
    await feed(served_intake, "router", acknowledged, concluded)
    closed = (await served_intake.client.get("/open311/v2/requests.json", params={"status": "closed"})).json()
    assert [r["service_request_id"] for r in closed] == [number]
    assert closed[0]["expected_datetime"] is None  # nothing more is expected of a closed request
    citizen = (await served_intake.client.get(f"/api/v1/applications/{number}")).json()
    assert citizen["stage"] == "CONCLUDED" and citizen["deadline"] is None  # the citizen API agrees
    window = {"start_date": "2026-05-22T00:00:00+03:00", "end_date": "2026-05-23T00:00:00+03:00"}
    answer = await served_intake.client.get("/open311/v2/servicerequestupdates.xml", params=window)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/xml")
    root = ET.fromstring(answer.content)
    assert root.tag == "service_request_updates"
    updates = root.findall("request_update")
    assert all(
        update.tag == "request_update" and [c.tag for c in update] == UPDATE_CHILDREN for update in updates
    )
    assert [(u.findtext("status"), u.findtext("external_status_code")) for u in updates] == [
        ("OPEN", "REGISTERED"),
        ("ACTION_SCHEDULED", "ROUTED"),
        ("IN_PROGRESS", "IN_PROGRESS"),
        ("FIXED", "CONCLUDED"),
    ]
    assert "Arıza giderildi" not in answer.text  # the answer is the applicant's, not public
    # The SMS delivery report stays on the applicant's own timeline: an application whose identity is
    # hidden gets no SMS, so a public report would single it out.
    assert str(delivered.event_id) not in answer.text
    as_json = (await served_intake.client.get("/open311/v2/servicerequestupdates.json", params=window)).json()
    assert [u["update_id"] for u in as_json] == [u.findtext("update_id") for u in updates]
    assert as_json[3]["description"] == "Başvurunuz sonuçlandırıldı"
    since = {"start_date": "2026-05-20T00:00:00+03:00"}  # alone: every update since then (≤ 90 days)
    later = (await served_intake.client.get("/open311/v2/servicerequestupdates.json", params=since)).json()
    assert [u["update_id"] for u in later] == [u["update_id"] for u in as_json]


async def test_updated_datetime_is_the_moment_of_the_latest_stage_the_updates_show(
    served_intake: Any,
) -> None:
    number = await register(served_intake)
    case = UpstreamCase(number, NOW)
    routing = routed(case)
    acknowledged = case.event("router", CaseAcknowledged(application_number=number, institution=INSTITUTION))
    deadline = deadline_set(number)
    # intake reads each event a moment after it happened (and the deadline, which moves no stage, last).
    for service, event in (
        ("router", routing),
        ("router", acknowledged),
        ("sla-monitor", case.event("sla-monitor", deadline, routing)),
    ):
        served_intake.clock.advance(timedelta(seconds=1))
        await feed(served_intake, service, event)
    window = {"start_date": "2026-05-22T00:00:00+03:00", "end_date": "2026-05-23T00:00:00+03:00"}
    updates = (await served_intake.client.get("/open311/v2/servicerequestupdates.json", params=window)).json()
    assert [u["external_status_code"] for u in updates] == ["REGISTERED", "ROUTED", "IN_PROGRESS"]
    latest = updates[-1]["updated_datetime"]
    assert latest == "2026-05-22T16:00:05+03:00"  # the acknowledgement's own moment
    one = (await served_intake.client.get(f"/open311/v2/requests/{number}.json")).json()[0]
    (listed,) = (await served_intake.client.get("/open311/v2/requests.json")).json()
    as_xml = await served_intake.client.get(f"/open311/v2/requests/{number}.xml")
    assert one["updated_datetime"] == listed["updated_datetime"] == latest
    assert ET.fromstring(as_xml.content).findtext("request/updated_datetime") == latest


async def test_a_similar_application_of_the_same_applicant_is_flagged_across_channels(
    served_intake: Any,
) -> None:
    portal = {
        "submission_id": "0b9d3c1e-6a52-4f7e-9a51-2f0c8e7d4b10",
        "submitted_at": "2026-05-20T09:00:00+03:00",
        "channel": "WEB",
        "applicant": {"name": "Ayşe Yılmaz", "phone": "0532 123 45 67"},
        "topic": "YEREL_YONETIMLER",
        "type": "SIKAYET",
        "district": "MERKEZ",
        "text": TEXT,
    }
    topic = served_intake.runtime.settings.topics.portal_submissions
    await served_intake.runtime.processor.process(
        [served_intake.feed.message(topic, json.dumps(portal).encode())]
    )
    reworded = "İki gündür Yusufpaşa Mahallesi'nde içme suyu kesik; belediyeyi aradık, kimse ilgilenmiyor!"
    later = await register(served_intake, description=reworded)
    other_topic = await register(
        served_intake, description="Okulumuzun kalorifer sistemi çalışmıyor, çocuklar üşüyor."
    )
    someone_else = await register(served_intake, phone="0533 765 43 21")
    async with served_intake.runtime.engine.connect() as connection:
        flags = (await connection.execute(sa.select(likely_duplicates))).all()
        earlier = (
            await connection.execute(
                sa.text("SELECT application_number FROM applications WHERE channel = 'WEB'")
            )
        ).scalar_one()
        types = list(
            (await connection.execute(sa.text("SELECT type FROM events ORDER BY position"))).scalars()
        )
    assert [(f.application_number, f.earlier_application_number, f.matched_on) for f in flags] == [
        (later, earlier, "phone")
    ]
    assert flags[0].similarity >= 85
    assert other_topic not in {f.application_number for f in flags}
    assert someone_else not in {f.application_number for f in flags}
    assert types.count("ApplicationRegistered") == 4  # flagged, never merged
    assert types.count("LikelyDuplicateFlagged") == 1
    office = {"Authorization": f"Bearer {served_intake.staff.issue_token('ayse')}"}
    shown = await served_intake.client.get("/api/v1/office/duplicates", headers=office)
    assert shown.status_code == 200, shown.text
    assert [(d["application_number"], d["earlier_application_number"]) for d in shown.json()] == [
        (later, earlier)
    ]
    assert shown.json()[0]["flagged_at"].endswith("+03:00")  # Istanbul time, as every other answer
    one = await served_intake.client.get(
        "/api/v1/office/duplicates", params={"application_number": earlier}, headers=office
    )
    assert len(one.json()) == 1
    await office_reads_numbers_as_typed(served_intake, office, earlier, later)
    institution = {"Authorization": f"Bearer {served_intake.staff.issue_token('mehmet')}"}
    assert (
        await served_intake.client.get("/api/v1/office/duplicates", headers=institution)
    ).status_code == 403
    assert (await served_intake.client.get("/api/v1/office/duplicates")).status_code == 401
