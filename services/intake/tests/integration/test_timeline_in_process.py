"""The applicant's timeline and requests through intake's composition root: router and sla-monitor
events fed in any order, the citizen API with and without the tracking code, requests once per key
(on SQLite and on PostgreSQL; no broker)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from acikkapi_shared.clock import ManualClock
from acikkapi_shared.events.envelope import EventEnvelope
from acikkapi_shared.events.notifier import SmsDelivered, SmsDeliveryFailed
from acikkapi_shared.events.router import (
    ApplicantRequestRefused,
    CaseAcknowledged,
    CaseAnswered,
    CaseConcluded,
    CaseReopened,
    CaseRouted,
    InformationRequested,
    InformationSupplied,
)
from acikkapi_shared.events.sla_monitor import (
    ClocksPaused,
    ClocksReopened,
    ClocksResumed,
    DeadlineSet,
    DeadlinesRecomputed,
)
from acikkapi_shared.eventstore.replay import rebuild_projections
from acikkapi_shared.runtime import ServiceRuntime
from acikkapi_shared.testing.fakes import RecordingPublisher
from acikkapi_shared.testing.in_process import Feed, UpstreamCase, relayed, running, settings_for, upstream
from intake.app import build_app
from intake.projections import IntakeProjector, applications, timeline

NOW = datetime(2026, 5, 22, 11, 0, 5, tzinfo=UTC)
DUE = datetime(2026, 6, 5, 20, 59, 59, tzinfo=UTC)
RESUMED_DUE = DUE + timedelta(days=2)
INSTITUTION = "BELEDIYE_KARS"
SUBMISSION = {
    "submission_id": "0b9d3c1e-6a52-4f7e-9a51-2f0c8e7d4b10",
    "submitted_at": "2026-05-22T14:00:00+03:00",
    "channel": "WEB",
    "applicant": {"name": "Ayşe Yılmaz", "phone": "0532 123 45 67"},
    "topic": "YEREL_YONETIMLER",
    "type": "SIKAYET",
    "district": "MERKEZ",
    "text": "Yusufpaşa Mahallesi'nde iki gündür içme suyu kesik.",
}


@dataclass
class Applicant:
    """intake in process, and the application of one registered submission."""

    runtime: ServiceRuntime
    client: httpx.AsyncClient
    publisher: RecordingPublisher
    feed: Feed
    number: str
    code: str

    async def feed_events(self, service: str, *events: EventEnvelope) -> None:
        topic = self.runtime.settings.topics.events_of(service)
        await self.runtime.processor.process([self.feed.event(topic, event) for event in events])

    async def status(self, **headers: str) -> Any:
        answer = await self.client.get(f"/api/v1/applications/{self.number}", headers=headers)
        assert answer.status_code == 200, answer.text
        return answer.json()

    async def act(
        self, action: str, body: dict[str, Any] | None, key: str | None, code: str | None = None
    ) -> Any:
        headers = {"X-Tracking-Code": code or self.code}
        if key is not None:
            headers["Idempotency-Key"] = key
        return await self.client.post(
            f"/api/v1/applications/{self.number}/{action}", json=body, headers=headers
        )

    async def log(self) -> list[str]:
        async with self.runtime.engine.connect() as connection:
            return list(
                (await connection.execute(sa.text("SELECT type FROM events ORDER BY position"))).scalars()
            )


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def applicant(tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[Applicant]:
    settings = settings_for("intake", tmp_path)
    if request.param == "postgres":  # the same contract on PostgreSQL, a fresh database per test
        settings = settings.model_copy(
            update={"database_url": request.getfixturevalue("postgres_database_url")}
        )
    publisher = RecordingPublisher()
    app = build_app(settings, clock=ManualClock(NOW), record_publisher=publisher)
    runtime: ServiceRuntime = app.state.runtime
    feed = Feed()
    async with running(runtime):
        portal = settings.topics.portal_submissions
        await runtime.processor.process([feed.message(portal, json.dumps(SUBMISSION).encode())])
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://intake"
        ) as client:
            outcome = (await client.get(f"/api/v1/submissions/{SUBMISSION['submission_id']}")).json()
            yield Applicant(
                runtime, client, publisher, feed, outcome["application_number"], outcome["tracking_code"]
            )


class Case(UpstreamCase):
    """One case's events as the router and the sla-monitor record them, each in its own sequence."""

    def __init__(self, number: str) -> None:
        super().__init__(number, NOW)


def routed(number: str) -> CaseRouted:
    return CaseRouted(
        application_number=number,
        institution=INSTITUTION,
        institution_name="Kars Belediyesi",
        rule="water",
        confidence=0.9,
        matched=["su"],
        table_version="t",
        received_at=NOW,
    )


async def ask_for_information(
    applicant: Applicant, router_order: tuple[int, ...] = (0, 1, 2)
) -> tuple[Case, list[EventEnvelope]]:
    """Routes, acknowledges and asks; the sla-monitor's events come first, the router's after (in
    router_order)."""
    number, case = applicant.number, Case(applicant.number)
    routing = case.event("router", routed(number))
    acknowledged = case.event("router", CaseAcknowledged(application_number=number, institution=INSTITUTION))
    question = InformationRequested(
        application_number=number, institution=INSTITUTION, request_number=1, question="Sokak adı nedir?"
    )
    asked = case.event("router", question)
    deadline = DeadlineSet(
        application_number=number, institution=INSTITUTION, received_at=NOW, budget_days=7, due_at=DUE
    )
    paused = ClocksPaused(application_number=number, at=NOW, reason="INFORMATION_REQUESTED", request_number=1)
    await applicant.feed_events(
        "sla-monitor", case.event("sla-monitor", deadline, routing), case.event("sla-monitor", paused, asked)
    )
    stages = [routing, acknowledged, asked]
    for index in router_order:
        await applicant.feed_events("router", stages[index])
    return case, stages


async def test_the_timeline_follows_the_case_order_and_the_code_shows_it_all(applicant: Applicant) -> None:
    await ask_for_information(applicant)
    alone = await applicant.status()
    assert alone == {
        "application_number": applicant.number,
        "stage": "INFORMATION_REQUESTED",
        "stage_label": "Kurum sizden ek bilgi bekliyor",
        "deadline": None,
        "deadline_paused": True,
    }
    full = await applicant.status(**{"X-Tracking-Code": applicant.code})
    assert full["institution"] == {"code": INSTITUTION, "name": "Kars Belediyesi"}
    lines = full["timeline"]
    assert [line["stage"] for line in lines] == [
        "REGISTERED",
        "ROUTED",
        "IN_PROGRESS",
        "INFORMATION_REQUESTED",
    ]
    assert lines[0]["deadline"] is None and lines[0]["institution"] is None
    due = DUE.astimezone(datetime.fromisoformat(lines[1]["at"]).tzinfo).isoformat()
    assert [line["deadline"] for line in lines[1:3]] == [due, due]  # acknowledging keeps the due moment
    assert lines[3]["deadline_paused"] and lines[3]["question"] == "Sokak adı nedir?"
    assert lines[2]["label"] == "Başvurunuz kurum tarafından incelemeye alındı"
    assert all(line["at"].endswith("+03:00") for line in lines)


async def test_an_older_event_takes_its_place_and_a_republished_one_changes_nothing(
    applicant: Applicant,
) -> None:
    _case, (routing, _acknowledged, _asked) = await ask_for_information(applicant, router_order=(0, 2, 1))
    full = await applicant.status(**{"X-Tracking-Code": applicant.code})
    assert full["stage"] == "INFORMATION_REQUESTED"  # the late acknowledgement did not move it back
    assert [line["stage"] for line in full["timeline"]][2:] == ["IN_PROGRESS", "INFORMATION_REQUESTED"]
    before = await applicant.log()
    await applicant.feed_events("router", routing)  # redelivered: the processor's tracking skips it
    republished = routing.model_copy(update={"position": routing.position + 100})
    await applicant.runtime.processor.process(
        [
            applicant.feed.message(
                applicant.runtime.settings.topics.events_of("router"), republished.to_json_bytes()
            )
        ]
    )
    assert await applicant.log() == before


async def test_the_applicant_supplies_information_once_per_key(applicant: Applicant) -> None:
    await ask_for_information(applicant)
    body = {"text": "Kazım Karabekir Caddesi No 5"}
    assert (await applicant.act("information", body, key=None)).status_code == 400
    wrong = await applicant.act("information", body, key="k1", code="0000-0000-0000")
    assert wrong.status_code == 404 and wrong.json()["error"]["code"] == "APPLICATION_NOT_FOUND"
    first = await applicant.act("information", body, key="k1")
    again = await applicant.act("information", body, key="k1")
    assert (first.status_code, again.status_code) == (202, 202)
    assert (first.json()["replayed"], again.json()["replayed"]) == (False, True)
    reused = await applicant.act("information", {"text": "başka"}, key="k1")
    assert reused.status_code == 409 and reused.json()["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    twice = await applicant.act("information", body, key="k2")
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "INFORMATION_ALREADY_SUPPLIED"
    assert (await applicant.log()).count("ApplicantSuppliedInformation") == 1
    published = [e for e in await relayed(applicant.publisher, 1) if e.type == "ApplicantSuppliedInformation"]
    assert [(e.payload["request_number"], e.payload["text"]) for e in published] == [(1, body["text"])]
    assert published[0].metadata["actor"] == "applicant:tracking-code"


async def test_a_text_problem_is_422_and_a_stage_refusal_409_in_turkish(applicant: Applicant) -> None:
    await ask_for_information(applicant)
    empty = await applicant.act("information", {"text": "\u0000 \u200b"}, key="e1")
    assert empty.status_code == 422
    assert empty.json()["error"] == {
        "code": "FIELD_MISSING",
        "message": "Gönderdiğiniz bilgi alanı boş bırakılamaz.",
        "field": "text",
    }
    # A text left out or null is missing too, named in the same shape (not the framework's generic 422).
    for index, body in enumerate(({}, {"text": None}, None)):
        left_out = await applicant.act("information", body, key=f"e{index + 2}")
        assert (left_out.status_code, left_out.json()) == (422, empty.json())
    early = await applicant.act("objection", {"reason": "Kabul etmiyorum."}, key="o1")
    assert early.status_code == 409 and early.json()["error"]["code"] == "OBJECTION_NOT_ALLOWED"
    assert "sonuçlanmış" in early.json()["error"]["message"]


async def test_a_text_to_correct_leaves_the_key_free_and_a_stage_refusal_keeps_it(
    applicant: Applicant,
) -> None:
    # 422: nothing recorded, so the corrected body goes through under the same key (as at the desk and
    # on Open311), and its replay answers as before.
    long = await applicant.act("withdrawal", {"reason": "x" * 4001}, key="wd-1")
    assert long.status_code == 422 and long.json()["error"]["code"] == "TEXT_TOO_LONG"
    corrected = await applicant.act("withdrawal", {"reason": "Vazgeçtim."}, key="wd-1")
    assert corrected.status_code == 202, corrected.text
    again = await applicant.act("withdrawal", {"reason": "Vazgeçtim."}, key="wd-1")
    assert (again.status_code, again.json()["replayed"]) == (202, True)
    invalid_again = await applicant.act("withdrawal", {"reason": "x" * 4001}, key="wd-1")
    assert invalid_again.status_code == 422  # checked before the key, as the desk does
    # 409: the stage's answer is recorded with its key (nothing else is): the same again for a retry,
    # the key with another body IDEMPOTENCY_KEY_REUSED, as the desk's and Open311's refusals.
    early = await applicant.act("objection", {"reason": "Kabul etmiyorum."}, key="ob-1")
    assert early.json()["error"]["code"] == "WITHDRAWAL_REQUESTED"
    retried = await applicant.act("objection", {"reason": "Kabul etmiyorum."}, key="ob-1")
    assert (retried.status_code, retried.json()) == (409, early.json())
    other = await applicant.act("objection", {"reason": "Başka bir gerekçe."}, key="ob-1")
    assert other.status_code == 409 and other.json()["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert (await applicant.log()).count("ApplicantWithdrew") == 1
    assert "ApplicantObjected" not in await applicant.log()


async def test_a_key_missing_or_too_long_is_named_as_on_every_api(applicant: Applicant) -> None:
    missing = await applicant.act("withdrawal", {"reason": "Vazgeçtim."}, key=None)
    assert missing.status_code == 400
    assert missing.json()["error"] | {"message": ""} == {
        "code": "IDEMPOTENCY_KEY_REQUIRED",
        "field": "Idempotency-Key",
        "message": "",
    }
    long = await applicant.act("withdrawal", {"reason": "Vazgeçtim."}, key="k" * 201)
    assert long.status_code == 400, long.text
    assert long.json()["error"] == {
        "code": "IDEMPOTENCY_KEY_TOO_LONG",
        "message": "Idempotency-Key en fazla 200 karakter olabilir.",
        "field": "Idempotency-Key",
    }
    assert "ApplicantWithdrew" not in await applicant.log()


async def test_an_unknown_key_is_named_not_ignored(applicant: Applicant) -> None:
    refused = await applicant.act("withdrawal", {"reason": "Vazgeçtim.", "extra": 1}, key="wd-extra")
    assert refused.status_code == 422, refused.text
    assert (refused.json()["error"]["code"], refused.json()["error"]["field"]) == ("INVALID_REQUEST", "extra")
    assert "ApplicantWithdrew" not in await applicant.log()


async def test_a_reason_given_twice_is_refused_naming_it_not_guessed(applicant: Applicant) -> None:
    headers = {"X-Tracking-Code": applicant.code, "Idempotency-Key": "wd-twice"}
    twice = b'{"reason": "Vazge\xc3\xa7tim.", "reason": "Sorunum \xc3\xa7\xc3\xb6z\xc3\xbcld\xc3\xbc."}'
    refused = await applicant.client.post(
        f"/api/v1/applications/{applicant.number}/withdrawal",
        content=twice,
        headers={**headers, "Content-Type": "application/json"},
    )
    assert refused.status_code == 422, refused.text
    assert (refused.json()["error"]["code"], refused.json()["error"]["field"]) == ("FIELD_REPEATED", "reason")
    assert refused.json()["error"]["message"].startswith("Geri çekme gerekçesi alanı birden fazla kez")
    assert "ApplicantWithdrew" not in await applicant.log()
    once = await applicant.act("withdrawal", {"reason": "Vazgeçtim."}, key="wd-twice")
    assert once.status_code == 202, once.text  # nothing was recorded under the key


async def test_after_the_conclusion_the_answer_shows_and_the_applicant_may_object(
    applicant: Applicant,
) -> None:
    case, _stages = await ask_for_information(applicant)
    number = applicant.number
    supplied = case.event(
        "router",
        InformationSupplied(
            application_number=number, institution=INSTITUTION, request_number=1, text="No 5"
        ),
    )
    resumed = ClocksResumed(
        application_number=number,
        at=NOW,
        request_number=1,
        office_due_at=RESUMED_DUE,
        institution_due_at=None,
    )
    answered = case.event(
        "router", CaseAnswered(application_number=number, institution=INSTITUTION, answer="Onarıldı.")
    )
    concluded = CaseConcluded(
        application_number=number, institution=INSTITUTION, outcome="RESOLVED", reasons="", answer="Onarıldı."
    )
    await applicant.feed_events("router", supplied, answered, case.event("router", concluded))
    await applicant.feed_events("sla-monitor", case.event("sla-monitor", resumed, supplied))
    full = await applicant.status(**{"X-Tracking-Code": applicant.code})
    last = full["timeline"][-1]
    assert (full["stage"], last["stage"], last["answer"], last["outcome_label"]) == (
        "CONCLUDED",
        "CONCLUDED",
        "Onarıldı.",
        "Talebiniz karşılandı",
    )
    assert "answer" not in [k for k, v in full["timeline"][-2].items() if v]  # not before it is approved
    # Nothing is due once concluded, on its line as at the top; the lines before keep what held then.
    assert (full["deadline"], last["deadline"], last["deadline_paused"]) == (None, None, False)
    assert datetime.fromisoformat(full["timeline"][-2]["deadline"]) == RESUMED_DUE
    supplied_line = full["timeline"][4]
    assert supplied_line["information"] == "No 5" and not supplied_line["deadline_paused"]
    assert datetime.fromisoformat(supplied_line["deadline"]) == RESUMED_DUE
    withdraw = await applicant.act("withdrawal", {}, key="w1")
    assert withdraw.status_code == 409 and withdraw.json()["error"]["code"] == "WITHDRAWAL_NOT_ALLOWED"
    late = await applicant.act("information", {"text": "No 7"}, key="i1")
    assert late.status_code == 409 and late.json()["error"] == {
        "code": "APPLICATION_CONCLUDED",
        "message": "Başvurunuz sonuçlandırıldı; artık bilgi gönderilemez.",
        "field": None,
    }
    for index, body in enumerate(({}, {"reason": None})):
        left_out = await applicant.act("objection", body, key=f"o-missing-{index}")
        assert left_out.status_code == 422 and left_out.json()["error"] == {
            "code": "FIELD_MISSING",
            "message": "İtiraz gerekçesi alanı boş bırakılamaz.",
            "field": "reason",
        }
    objection = await applicant.act("objection", {"reason": "Su yine kesildi."}, key="o1")
    assert objection.status_code == 202 and objection.json()["action"] == "objection"
    assert "ApplicantObjected" in await applicant.log()


async def test_the_timeline_rebuilt_from_the_log_equals_the_live_one(applicant: Applicant) -> None:
    await ask_for_information(applicant)
    await applicant.act("withdrawal", {"reason": "Sorun çözüldü."}, key="w1")

    async def snapshot() -> list[list[tuple[Any, ...]]]:
        async with applicant.runtime.engine.connect() as connection:
            return [
                sorted(tuple(row) for row in await connection.execute(sa.select(table)))
                for table in (applications, timeline)
            ]

    live = await snapshot()
    assert len(live[1]) == 4
    runtime = applicant.runtime
    await rebuild_projections(runtime.engine, runtime.store, IntakeProjector())
    assert await snapshot() == live


async def routed_with_deadline(applicant: Applicant) -> Case:
    """Routes the application; the sla-monitor sets the office due moment DUE."""
    number, case = applicant.number, Case(applicant.number)
    routing = case.event("router", routed(number))
    deadline = DeadlineSet(
        application_number=number, institution=INSTITUTION, received_at=NOW, budget_days=7, due_at=DUE
    )
    await applicant.feed_events("router", routing)
    await applicant.feed_events("sla-monitor", case.event("sla-monitor", deadline, routing))
    return case


async def test_a_recomputed_deadline_moves_the_applicants_due_date_once(applicant: Applicant) -> None:
    case = await routed_with_deadline(applicant)
    later = DUE + timedelta(days=3)
    recomputed = DeadlinesRecomputed(
        application_number=applicant.number,
        at=NOW,
        config_version="v2",
        previous_config_version="v1",
        office_budget_days=10,
        office_due_before=DUE,
        office_due_at=later,
        institution_budget_days=5,
        institution_due_before=None,
        institution_due_at=None,
    )
    event = case.event("sla-monitor", recomputed)
    await applicant.feed_events("sla-monitor", event)
    await applicant.feed_events("sla-monitor", event)  # redelivered: nothing more
    alone = await applicant.status()
    assert datetime.fromisoformat(alone["deadline"]) == later
    lines = (await applicant.status(**{"X-Tracking-Code": applicant.code}))["timeline"]
    assert [line["stage"] for line in lines] == ["REGISTERED", "ROUTED", "ROUTED"]
    assert datetime.fromisoformat(lines[1]["deadline"]) == DUE  # what the routing set, as it was
    assert lines[2]["label"] == "Başvurunuzun sonuçlandırılacağı son tarih yeniden hesaplandı"
    assert datetime.fromisoformat(lines[2]["deadline"]) == later
    assert (await applicant.log()).count("TimelineNoted") == 1


async def test_a_request_the_router_refused_is_on_the_timeline_and_may_be_made_again(
    applicant: Applicant,
) -> None:
    case, _stages = await ask_for_information(applicant)
    assert (await applicant.act("withdrawal", {"reason": "Vazgeçtim."}, key="w1")).status_code == 202
    twice = await applicant.act("withdrawal", {}, key="w2")
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "WITHDRAWAL_ALREADY_REQUESTED"
    message = "Başvuru «sonuçlandı» aşamasında; bu işlem şu anda yapılamaz."
    refusal = ApplicantRequestRefused(
        application_number=applicant.number,
        institution=INSTITUTION,
        request="WITHDRAWAL",
        request_event_id="intake-event-1",
        code="ILLEGAL_TRANSITION",
        message=message,
    )
    await applicant.feed_events("router", case.event("router", refusal))
    full = await applicant.status(**{"X-Tracking-Code": applicant.code})
    last = full["timeline"][-1]
    assert (full["stage"], last["stage"], last["label"]) == (
        "INFORMATION_REQUESTED",
        "INFORMATION_REQUESTED",
        "Geri çekme isteğiniz işleme alınamadı",
    )
    assert last["refusal"] == {"request": "WITHDRAWAL", "code": "ILLEGAL_TRANSITION", "message": message}
    assert last["deadline_paused"]  # the line before still holds
    again = await applicant.act("withdrawal", {}, key="w3")  # the applicant may ask again
    assert again.status_code == 202, again.text
    assert (await applicant.log()).count("ApplicantWithdrew") == 2


async def test_sms_delivery_reports_are_on_the_timeline_without_the_phone(applicant: Applicant) -> None:
    await routed_with_deadline(applicant)
    number = applicant.number
    delivered = SmsDelivered(
        application_number=number,
        request_event_id="r-1",
        provider_message_id="p-1",
        template="registered",
        delivered_at=NOW,
        status=1,
    )
    failed = SmsDeliveryFailed(
        application_number=number,
        request_event_id="r-2",
        provider_message_id="p-2",
        template="routed",
        status=3,
        reason="timed out",
        error_code=None,
    )
    events = [
        upstream("notifier", p, correlation_id=number, occurred_at=NOW + timedelta(hours=2))
        for p in (delivered, failed)
    ]
    await applicant.feed_events("notifier", *events)
    await applicant.feed_events("notifier", events[0])  # redelivered: nothing more
    full = await applicant.status(**{"X-Tracking-Code": applicant.code})
    notes = [(line["label"], line["sms"], line["stage"]) for line in full["timeline"][2:]]
    assert notes == [
        ("Size gönderilen SMS telefonunuza ulaştı", {"template": "registered", "delivered": True}, "ROUTED"),
        (
            "Size gönderilen SMS telefonunuza ulaştırılamadı",
            {"template": "routed", "delivered": False},
            "ROUTED",
        ),
    ]
    assert datetime.fromisoformat(full["timeline"][-1]["deadline"]) == DUE
    # Updated when the case last changed stage (as Open311's updated_datetime): not by a note, and not
    # at the moment intake read the event.
    assert full["updated_at"] == full["timeline"][1]["at"]
    assert "+90532" not in json.dumps(full) and "532 123" not in json.dumps(full)
    assert (await applicant.log()).count("TimelineNoted") == 2


def sms_report(
    number: str, trigger: EventEnvelope, *, read_at: datetime, delivered_at: datetime | None
) -> EventEnvelope:
    """The notifier's report of the SMS told of `trigger`, read from the provider at read_at (delivered
    at delivered_at by the provider; None: undeliverable)."""
    ids = {
        "application_number": number,
        "request_event_id": f"intent-{trigger.event_id}",
        "provider_message_id": "77-1",
        "template": trigger.type,
        "trigger_event_id": str(trigger.event_id),
    }
    payload = (
        SmsDelivered(**ids, delivered_at=delivered_at, status=1)
        if delivered_at
        else SmsDeliveryFailed(**ids, status=2, reason="timed out", error_code=None)
    )
    return upstream("notifier", payload, correlation_id=number, occurred_at=read_at)


async def concluded_then_reopened(applicant: Applicant) -> dict[str, EventEnvelope]:
    """Routes (with its deadline), answers, concludes and reopens the case (with its new clock)."""
    number, case = applicant.number, Case(applicant.number)
    routing = case.event("router", routed(number))
    deadline = case.event(
        "sla-monitor",
        DeadlineSet(
            application_number=number, institution=INSTITUTION, received_at=NOW, budget_days=7, due_at=DUE
        ),
        routing,
    )
    answered = case.event(
        "router", CaseAnswered(application_number=number, institution=INSTITUTION, answer="Onarıldı.")
    )
    conclusion = CaseConcluded(
        application_number=number, institution=INSTITUTION, outcome="RESOLVED", reasons="", answer="Onarıldı."
    )
    concluded = case.event("router", conclusion)
    reopening = CaseReopened(
        application_number=number, institution=INSTITUTION, objection="Yine.", reopenings=1
    )
    reopened = case.event("router", reopening)
    clock = ClocksReopened(application_number=number, at=NOW, budget_days=7, due_at=RESUMED_DUE, cycle=2)
    reclocked = case.event("sla-monitor", clock, reopened)
    await applicant.feed_events("router", routing, answered, concluded, reopened)
    await applicant.feed_events("sla-monitor", deadline, reclocked)
    return {"deadline": deadline, "concluded": concluded, "reclocked": reclocked}


async def test_an_sms_report_read_after_the_reopening_stays_with_its_stage_at_the_delivery_moment(
    applicant: Applicant,
) -> None:
    events = await concluded_then_reopened(applicant)
    number, late = applicant.number, events["reclocked"].occurred_at + timedelta(hours=1)
    told = {name: events[name].occurred_at + timedelta(seconds=4) for name in ("deadline", "concluded")}
    await applicant.feed_events(
        "notifier",
        # Read from the provider an hour after the reopening: the conclusion's SMS was delivered long before.
        sms_report(number, events["concluded"], read_at=late, delivered_at=told["concluded"]),
        sms_report(number, events["deadline"], read_at=late, delivered_at=told["deadline"]),
        sms_report(number, events["reclocked"], read_at=late, delivered_at=None),
    )
    full = await applicant.status(**{"X-Tracking-Code": applicant.code})
    lines = [(line["stage"], line["label"], datetime.fromisoformat(line["at"])) for line in full["timeline"]]
    delivered, failed = (
        "Size gönderilen SMS telefonunuza ulaştı",
        "Size gönderilen SMS telefonunuza ulaştırılamadı",
    )
    assert [(stage, label) for stage, label, _ in lines] == [
        ("REGISTERED", "Başvurunuz alındı ve kaydedildi"),
        ("ROUTED", "Başvurunuz ilgili kuruma iletildi"),
        ("ROUTED", delivered),  # the registered SMS: told of the deadline the routing set
        ("IN_REVIEW", "Kurum başvurunuzu yanıtladı; yanıt Açık Kapı bürosunda inceleniyor"),
        ("CONCLUDED", "Başvurunuz sonuçlandırıldı"),
        ("CONCLUDED", delivered),
        ("REOPENED", "İtirazınız üzerine başvurunuz yeniden açıldı"),
        ("REOPENED", failed),
    ]
    assert [at for _, label, at in lines if label == delivered] == [told["deadline"], told["concluded"]]
    assert lines[-1][2] == late  # no delivery moment for a failure: when the report was read
    assert full["stage"] == "REOPENED" and full["timeline"][5]["institution"]["code"] == INSTITUTION


async def test_a_report_that_comes_before_its_stage_is_moved_under_it_and_rebuilds_the_same(
    applicant: Applicant,
) -> None:
    number, case = applicant.number, Case(applicant.number)
    routing = case.event("router", routed(number))
    concluded = case.event(
        "router",
        CaseConcluded(
            application_number=number, institution=INSTITUTION, outcome="RESOLVED", reasons="", answer="."
        ),
    )
    delivered_at = concluded.occurred_at + timedelta(seconds=3)
    await applicant.feed_events("router", routing)
    report = sms_report(
        number, concluded, read_at=delivered_at + timedelta(seconds=30), delivered_at=delivered_at
    )
    await applicant.feed_events("notifier", report)  # the notifier's topic ahead of the router's
    meanwhile = (await applicant.status(**{"X-Tracking-Code": applicant.code}))["timeline"]
    assert [line["stage"] for line in meanwhile] == ["REGISTERED", "ROUTED", "ROUTED"]
    await applicant.feed_events("router", concluded)
    lines = (await applicant.status(**{"X-Tracking-Code": applicant.code}))["timeline"]
    assert [(line["stage"], bool(line["sms"])) for line in lines] == [
        ("REGISTERED", False),
        ("ROUTED", False),
        ("CONCLUDED", False),
        ("CONCLUDED", True),
    ]
    assert datetime.fromisoformat(lines[-1]["at"]) == delivered_at

    async def snapshot() -> list[tuple[Any, ...]]:
        async with applicant.runtime.engine.connect() as connection:
            return sorted(tuple(row) for row in await connection.execute(sa.select(timeline)))

    live = await snapshot()
    runtime = applicant.runtime
    await rebuild_projections(runtime.engine, runtime.store, IntakeProjector())
    assert await snapshot() == live
    assert (await applicant.log()).count("TimelineNoteMoved") == 1


async def test_a_delivery_dated_before_its_stage_by_the_providers_clock_still_follows_the_stage(
    applicant: Applicant,
) -> None:
    # Netgsm dates a delivery to the second by its own clock: it may fall before the stage's moment.
    events = await concluded_then_reopened(applicant)
    concluded = events["concluded"]
    early = concluded.occurred_at - timedelta(seconds=1)
    report = sms_report(applicant.number, concluded, read_at=concluded.occurred_at, delivered_at=early)
    await applicant.feed_events("notifier", report)
    lines = (await applicant.status(**{"X-Tracking-Code": applicant.code}))["timeline"]
    assert [(line["stage"], bool(line["sms"])) for line in lines[3:6]] == [
        ("CONCLUDED", False),
        ("CONCLUDED", True),
        ("REOPENED", False),
    ]
    assert datetime.fromisoformat(lines[4]["at"]) == early
