"""The case lifecycle on the real broker, driven as staff and the applicant would drive it: the router's
staff API with bearer tokens, intake's applicant API with the tracking code. Every check reads
independent evidence: the services' topics (what any consumer sees) and the SMS simulator's own log."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from acikkapi_shared.staff.identity import Role
from acikkapi_shared.staff.local import LocalIssuer, StaffUser
from tests.conftest import RunningSystem, publish, read_topic, submission

pytestmark = pytest.mark.kafka

ROUTER_STAGES = "router"
CLOCKS = "sla-monitor"


@dataclass
class Office:
    """The staff of one running system, with tokens from its local issuer (var/staff)."""

    system: RunningSystem

    def token(self, subject: str, *roles: Role, institution: str | None = None) -> str:
        issuer = LocalIssuer(self.system.data_dir.parent / "staff")
        issuer.add_user(StaffUser(subject, subject, roles, institution))
        return issuer.issue_token(subject)

    def command(
        self, token: str | None, number: str, name: str, body: dict[str, Any], key: str | None = None
    ) -> httpx.Response:
        headers = {"Idempotency-Key": key or str(uuid.uuid4())}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        url = f"{self.system.url('router')}/api/v1/cases/{number}/{name}"
        return httpx.post(url, json=body, headers=headers, timeout=10)

    def case(self, token: str, number: str) -> httpx.Response:
        """Reads the case's detail as this staff member."""
        url = f"{self.system.url('router')}/api/v1/cases/{number}"
        return httpx.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=10)

    def applicant(self, number: str, code: str, action: str, body: dict[str, Any]) -> httpx.Response:
        return httpx.post(
            f"{self.system.url('intake')}/api/v1/applications/{number}/{action}",
            json=body,
            headers={"X-Tracking-Code": code, "Idempotency-Key": str(uuid.uuid4())},
            timeout=10,
        )

    async def events(self, service: str, number: str) -> list[dict[str, Any]]:
        """Returns the events a service published about the application, in topic order."""
        records = await read_topic(self.system.bootstrap, f"{self.system.prefix}.{service}.events.v1")
        envelopes = [json.loads(record.value) for record in records]
        return [e for e in envelopes if e["correlation_id"] == number]

    async def wait_for(
        self, service: str, number: str, done: Callable[[list[str]], bool], within: float = 30.0
    ) -> list[str]:
        """Polls a service's topic until the application's event types satisfy done; returns them."""
        deadline = time.monotonic() + within
        while True:
            types = [event["type"] for event in await self.events(service, number)]
            if done(types):
                return types
            if time.monotonic() > deadline:
                pytest.fail(f"{service} published {types} for {number}, not what the test waits for")
            await asyncio.sleep(0.2)

    def wait_for_sms_count(self, phone: str, count: int, within: float = 30.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + within
        while True:
            messages = self.system.sms_to(phone)
            if len(messages) >= count:
                return messages
            if time.monotonic() > deadline:
                pytest.fail(f"{len(messages)} SMS reached {phone}, not {count}")
            time.sleep(0.2)


def has(*wanted: str) -> Callable[[list[str]], bool]:
    return lambda types: all(types.count(kind) >= wanted.count(kind) for kind in set(wanted))


@pytest.fixture
def office(running_system: RunningSystem) -> Office:
    return Office(running_system)


async def registered(
    system: RunningSystem, portal: AIOKafkaProducer, **overrides: Any
) -> tuple[str, str, str]:
    document = submission(**overrides)
    await publish(portal, system.portal_topic, document)
    outcome = system.submission(document["submission_id"])
    assert outcome["status"] == "REGISTERED"
    phone = document["applicant"]["phone"]
    system.wait_for_sms(phone)  # the registered SMS: the case is routed and its clocks run
    return outcome["application_number"], outcome["tracking_code"], phone


async def test_a_case_goes_from_routing_through_information_and_a_return_to_conclusion(
    running_system: RunningSystem, portal: AIOKafkaProducer, office: Office
) -> None:
    document = submission()
    number, code, phone = await registered(running_system, portal, **document)
    officer = office.token("kars-belediye-1", Role.INSTITUTION_OFFICER, institution="BELEDIYE_KARS")
    reviewer = office.token("acikkapi-reviewer-1", Role.OFFICE_REVIEWER)

    # The officer reads the petition before answering it: the applicant's own words and contact.
    petition = office.case(officer, number).json()["petition"]
    assert (petition["text"], petition["topic"], petition["district"]) == (
        document["text"],
        "YEREL_YONETIMLER",
        "MERKEZ",
    )
    assert petition["applicant"] == {"name": "Ayşe Yılmaz", "phone": phone}
    assert office.command(officer, number, "acknowledge", {}).status_code == 200
    question = {"question": "Suyun kesik olduğu sokağın adını yazar mısınız?"}
    assert office.command(officer, number, "request-information", question).status_code == 200
    await office.wait_for(CLOCKS, number, has("ClocksPaused"))
    asked = office.wait_for_sms_count(phone, 2)[-1]["msg"]
    assert "sokağın adını" in asked and number in asked
    # The SMS give the local tracking page's address (`acikkapi dev up` sets it), the number pre-filled
    # and never the code; the link opens the page with the number entered.
    link = f"{running_system.url('intake')}/takip?numara={number}"
    assert f"Yanıtınızı {link} adresinden başvuru numaranız ve {code} takip kodunuzla" in asked
    opened = httpx.get(link, timeout=10)
    assert opened.status_code == 200 and f'name="numara" type="text" value="{number}"' in opened.text

    supplied = office.applicant(number, code, "information", {"text": "Kazım Karabekir Caddesi, 12 numara."})
    assert supplied.status_code == 202, supplied.text
    await office.wait_for(ROUTER_STAGES, number, has("InformationSupplied"))
    await office.wait_for(CLOCKS, number, has("ClocksResumed"))

    assert office.command(officer, number, "answer", {"answer": "Arıza giderildi."}).status_code == 200
    returned = office.command(reviewer, number, "return-answer", {"note": "Tarih ve saat belirtilmeli."})
    assert returned.status_code == 200
    answer = {"answer": "Arıza 3 Haziran 14:00'te giderildi, su verildi."}
    assert office.command(officer, number, "answer", answer).status_code == 200
    approved = office.command(reviewer, number, "approve-answer", {"outcome": "RESOLVED"})
    assert approved.status_code == 200, approved.text

    types = await office.wait_for(ROUTER_STAGES, number, has("CaseConcluded"))
    assert types == [
        "CaseRouted",
        "CaseAcknowledged",
        "InformationRequested",
        "InformationSupplied",
        "CaseAnswered",
        "AnswerReturned",
        "CaseAnswered",
        "CaseConcluded",
    ]
    clocks = await office.wait_for(CLOCKS, number, has("ClocksClosed"))
    assert clocks.count("ClocksPaused") == 1 and clocks.count("ClocksResumed") == 1
    actors = {e["type"]: e["metadata"].get("actor") for e in await office.events(ROUTER_STAGES, number)}
    assert actors["CaseAcknowledged"] == "staff:kars-belediye-1"
    assert actors["CaseConcluded"] == "staff:acikkapi-reviewer-1"

    messages = office.wait_for_sms_count(phone, 3)
    concluded = messages[-1]["msg"]
    assert number in concluded and "sonuçlan" in concluded.lower()
    assert f"Yanıtın tamamını {link} adresinden" in concluded
    await asyncio.sleep(2)  # nothing more is sent: one SMS per stage the applicant must know
    assert len(running_system.sms_to(phone)) == 3

    timeline = running_system.status_when(number, code, lambda t: t["stage"] == "CONCLUDED")
    assert "su verildi" in json.dumps(timeline, ensure_ascii=False)


async def test_wrong_tokens_replayed_keys_and_illegal_transitions_change_nothing(
    running_system: RunningSystem, portal: AIOKafkaProducer, office: Office
) -> None:
    number, _code, _phone = await registered(running_system, portal)
    ours = office.token("kars-belediye-2", Role.INSTITUTION_OFFICER, institution="BELEDIYE_KARS")
    theirs = office.token("saglik-1", Role.INSTITUTION_OFFICER, institution="SAGLIK")
    auditor = office.token("denetci-1", Role.AUDITOR)

    assert office.command(None, number, "acknowledge", {}).status_code == 401
    assert office.command("not-a-token", number, "acknowledge", {}).status_code == 401
    assert office.command(theirs, number, "acknowledge", {}).status_code == 404  # not told it exists
    assert office.case(theirs, number).status_code == 404  # nor its petition
    audited = office.case(auditor, number).json()["petition"]
    assert audited["text"] is None and "text" in audited["withheld"]
    assert office.command(auditor, number, "acknowledge", {}).status_code == 403
    illegal = office.command(ours, number, "answer", {"answer": "Kabul edilmeden cevap."})
    assert illegal.status_code == 409 and illegal.json()["error"]["code"] == "ILLEGAL_TRANSITION"

    first = office.command(ours, number, "request-transfer", {"reason": "Görev alanımız değil."}, key="k-1")
    again = office.command(ours, number, "request-transfer", {"reason": "Görev alanımız değil."}, key="k-1")
    assert first.status_code == again.status_code == 200
    assert again.json()["events"] == first.json()["events"]
    reused = office.command(ours, number, "request-transfer", {"reason": "Başka bir gerekçe."}, key="k-1")
    assert reused.status_code == 409

    types = await office.wait_for(ROUTER_STAGES, number, has("TransferRequested"))
    assert types == ["CaseRouted", "TransferRequested"]  # the refused commands recorded nothing


async def test_a_transfer_approved_by_the_office_moves_the_case_and_tells_the_applicant(
    running_system: RunningSystem, portal: AIOKafkaProducer, office: Office
) -> None:
    number, code, phone = await registered(running_system, portal)
    municipality = office.token("kars-belediye-3", Role.INSTITUTION_OFFICER, institution="BELEDIYE_KARS")
    health = office.token("saglik-2", Role.INSTITUTION_OFFICER, institution="SAGLIK")
    routing = office.token("acikkapi-officer-1", Role.OFFICE_OFFICER)

    reason = {"reason": "Konu il sağlık müdürlüğünün görev alanında.", "suggested_institution": "SAGLIK"}
    assert office.command(municipality, number, "request-transfer", reason).status_code == 200
    moved = office.command(routing, number, "approve-transfer", {"institution": "SAGLIK"})
    assert moved.status_code == 200, moved.text
    assert office.command(municipality, number, "acknowledge", {}).status_code == 404  # not theirs now
    assert office.command(health, number, "acknowledge", {}).status_code == 200

    types = await office.wait_for(ROUTER_STAGES, number, has("CaseAcknowledged"))
    assert types == ["CaseRouted", "TransferRequested", "TransferApproved", "CaseAcknowledged"]
    told = office.wait_for_sms_count(phone, 2)[-1]["msg"]
    assert "Kars Belediyesi" in told and "Sağlık" in told  # from whom to whom (Law 3071 Art. 5)
    running_system.status_when(number, code, lambda t: "SAGLIK" in json.dumps(t))


async def test_an_objection_after_conclusion_reopens_the_case_under_the_same_number(
    running_system: RunningSystem, portal: AIOKafkaProducer, office: Office
) -> None:
    number, code, phone = await registered(running_system, portal)
    officer = office.token("kars-belediye-4", Role.INSTITUTION_OFFICER, institution="BELEDIYE_KARS")
    supervisor = office.token("acikkapi-supervisor-1", Role.SUPERVISOR)
    assert office.command(officer, number, "acknowledge", {}).status_code == 200
    assert office.command(officer, number, "answer", {"answer": "Talep yerinde görüldü."}).status_code == 200
    concluded = office.command(supervisor, number, "approve-answer", {"outcome": "INFORMATION_GIVEN"})
    assert concluded.status_code == 200, concluded.text
    await office.wait_for(CLOCKS, number, has("ClocksClosed"))
    office.wait_for_sms_count(phone, 2)

    objected = office.applicant(number, code, "objection", {"reason": "Su hâlâ akmıyor."})
    assert objected.status_code == 202, objected.text
    types = await office.wait_for(ROUTER_STAGES, number, has("CaseReopened"))
    assert types[-1] == "CaseReopened"
    await office.wait_for(CLOCKS, number, has("ClocksReopened"))
    reopened = office.wait_for_sms_count(phone, 3)[-1]["msg"]
    assert number in reopened
    assert office.command(officer, number, "acknowledge", {}).status_code == 200  # open again, same number


async def test_a_triage_case_is_routed_by_hand_by_the_office_and_the_applicant_told(
    running_system: RunningSystem, portal: AIOKafkaProducer, office: Office
) -> None:
    unclear = "Merhaba, bir konuda yardım istiyorum, lütfen beni arayın."
    number, code, phone = await registered(running_system, portal, topic="DIGER", type="ISTEK", text=unclear)
    types = await office.wait_for(ROUTER_STAGES, number, has("CaseRouted"))
    (routed,) = [e for e in await office.events(ROUTER_STAGES, number) if e["type"] == "CaseRouted"]
    assert routed["payload"]["institution"] == "ACIKKAPI" and types == ["CaseRouted"]

    officer = office.token("acikkapi-officer-2", Role.OFFICE_OFFICER)
    institution = office.token("sgk-1", Role.INSTITUTION_OFFICER, institution="SGK")
    assert office.command(institution, number, "acknowledge", {}).status_code == 404  # not theirs yet
    # The office had to phone the applicant to learn what it was about: it says so (route learn then
    # teaches triage for these words); the case still goes to SGK and every service follows it.
    reason = "Başvuru sahibi arandı; emeklilik işlemini soruyor."
    by_hand = {"institution": "SGK", "reason": reason, "unclear_from_text": True}
    assert office.command(officer, number, "route-by-hand", by_hand).status_code == 200
    assert office.command(institution, number, "acknowledge", {}).status_code == 200

    types = await office.wait_for(ROUTER_STAGES, number, has("CaseAcknowledged"))
    assert types == ["CaseRouted", "CaseRoutedByHand", "CaseAcknowledged"]
    (hand,) = [e for e in await office.events(ROUTER_STAGES, number) if e["type"] == "CaseRoutedByHand"]
    assert (hand["payload"]["institution"], hand["payload"]["unclear_from_text"]) == ("SGK", True)
    told = office.wait_for_sms_count(phone, 2)[-1]["msg"]
    assert "SGK Kars Sosyal Güvenlik İl Müdürlüğü" in told
    running_system.status_when(number, code, lambda t: "SGK" in json.dumps(t))


def until(read: Callable[[], dict[str, Any]], shows: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    """Returns what read gives once it shows what is expected (fails after 30 s)."""
    deadline = time.monotonic() + 30
    while not shows(found := read()):
        if time.monotonic() > deadline:
            pytest.fail(f"never showed what was expected: {found}")
        time.sleep(0.2)
    return found


def due(moment: str | None) -> datetime | None:
    return None if moment is None else datetime.fromisoformat(moment)


async def test_a_case_routed_by_hand_while_information_is_awaited_runs_its_clocks_again(
    running_system: RunningSystem, portal: AIOKafkaProducer, office: Office
) -> None:
    # Received a minute ago: its clocks have days to run, so on time until they stop.
    received = (datetime.now(UTC) - timedelta(minutes=1)).isoformat(timespec="seconds")
    number, code, _phone = await registered(running_system, portal, submitted_at=received)
    municipality = office.token("kars-belediye-5", Role.INSTITUTION_OFFICER, institution="BELEDIYE_KARS")
    environment = office.token("cevre-1", Role.INSTITUTION_OFFICER, institution="CEVRE")
    routing = office.token("acikkapi-officer-3", Role.OFFICE_OFFICER)
    assert office.command(municipality, number, "acknowledge", {}).status_code == 200
    asked = {"question": "Hangi sokakta olduğunu yazar mısınız?"}
    assert office.command(municipality, number, "request-information", asked).status_code == 200
    await office.wait_for(CLOCKS, number, has("ClocksPaused"))

    # The office moves it before the applicant answers: that request is over, the clocks run again.
    by_hand = {"institution": "CEVRE", "reason": "Konu çevre ve şehircilik müdürlüğünün görev alanında."}
    assert office.command(routing, number, "route-by-hand", by_hand).status_code == 200
    late = office.applicant(number, code, "information", {"text": "Gazi Ahmet Muhtar Paşa Caddesi."})
    assert late.status_code in (202, 409), late.text  # refused here or by the router: nothing is asked
    await office.wait_for(CLOCKS, number, has("ClocksPaused", "ClocksResumed"))
    resumed = await resumptions(office, number)
    status = running_system.status_when(
        number, code, lambda s: s["stage"] == "ROUTED" and due(s["deadline"]) == resumed[0]["office_due_at"]
    )
    assert status["deadline_paused"] is False
    moved = until(lambda: office.case(environment, number).json(), lambda c: c["sla_state"] == "on_time")
    assert moved["stage"] == "ROUTED" and due(moved["institution_due_at"]) == resumed[0]["institution_due_at"]
    until(lambda: open311(running_system, number), lambda r: bool(r.get("expected_datetime")))

    # The new institution asks again: the clocks stop, and run once the applicant answers.
    assert office.command(environment, number, "acknowledge", {}).status_code == 200
    again = {"question": "Atığın ne zamandan beri orada olduğunu yazar mısınız?"}
    assert office.command(environment, number, "request-information", again).status_code == 200
    await office.wait_for(CLOCKS, number, has("ClocksPaused", "ClocksPaused"))
    running_system.status_when(number, code, lambda s: s["deadline_paused"] and s["deadline"] is None)
    until(lambda: office.case(environment, number).json(), lambda c: c["sla_state"] == "paused")
    answered = office.applicant(number, code, "information", {"text": "İki haftadır orada duruyor."})
    assert answered.status_code == 202, answered.text
    await office.wait_for(
        CLOCKS, number, has("ClocksPaused", "ClocksPaused", "ClocksResumed", "ClocksResumed")
    )
    resumed = await resumptions(office, number)
    assert [r["request_number"] for r in resumed] == [1, 2]
    status = running_system.status_when(
        number,
        code,
        lambda s: s["stage"] == "IN_PROGRESS" and due(s["deadline"]) == resumed[1]["office_due_at"],
    )
    assert status["deadline_paused"] is False
    running = until(lambda: office.case(environment, number).json(), lambda c: c["sla_state"] == "on_time")
    assert running["stage"] == "ACKNOWLEDGED"
    until(lambda: open311(running_system, number), lambda r: bool(r.get("expected_datetime")))


async def resumptions(office: Office, number: str) -> list[dict[str, Any]]:
    """Returns the sla-monitor's ClocksResumed of the case: request number and due moments."""
    found = [e["payload"] for e in await office.events(CLOCKS, number) if e["type"] == "ClocksResumed"]
    return [
        {
            "request_number": payload["request_number"],
            "office_due_at": due(payload["office_due_at"]),
            "institution_due_at": due(payload["institution_due_at"]),
        }
        for payload in found
    ]


def open311(system: RunningSystem, number: str) -> dict[str, Any]:
    """Returns the application as Open311 shows it."""
    answer = httpx.get(f"{system.url('intake')}/open311/v2/requests/{number}.json", timeout=5)
    assert answer.status_code == 200, answer.text
    requests: list[dict[str, Any]] = answer.json()
    return requests[0]
