"""intake in process, built by its composition root: portal messages and upstream events in, its log,
read models, relay and citizen API checked (SQLite; no broker)."""

from __future__ import annotations

import asyncio
import dataclasses
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
from acikkapi_shared.events.notifier import SmsDelivered
from acikkapi_shared.events.router import CaseRouted
from acikkapi_shared.events.sla_monitor import DeadlineSet
from acikkapi_shared.eventstore.replay import rebuild_projections
from acikkapi_shared.runtime import ServiceRuntime
from acikkapi_shared.testing.fakes import RecordingPublisher
from acikkapi_shared.testing.in_process import Feed, running, settings_for, upstream
from intake.app import build_app
from intake.projections import IntakeProjector, applications, submissions

NOW = datetime(2026, 5, 22, 11, 0, 5, tzinfo=UTC)
VALID: dict[str, Any] = {
    "submission_id": "0b9d3c1e-6a52-4f7e-9a51-2f0c8e7d4b10",
    "submitted_at": "2026-05-22T14:00:00+03:00",
    "channel": "WEB",
    "applicant": {"name": "Ayşe Yılmaz", "phone": "0532 123 45 67", "tckn": "10000000146"},
    "topic": "YEREL_YONETIMLER",
    "type": "SIKAYET",
    "district": "MERKEZ",
    "text": "Yusufpaşa Mahallesi'nde iki gündür içme suyu kesik.",
    "added_in_a_later_version": True,
}


def submission(number: int, **changes: Any) -> bytes:
    return json.dumps(
        {**VALID, "submission_id": f"{number:08d}-6a52-4f7e-9a51-2f0c8e7d4b10", **changes}
    ).encode()


@dataclass
class Intake:
    runtime: ServiceRuntime
    client: httpx.AsyncClient
    feed: Feed
    portal: str
    clock: ManualClock

    async def send(self, *bodies: bytes) -> None:
        await self.runtime.processor.process([self.feed.message(self.portal, body) for body in bodies])

    async def rows(self, table: sa.Table) -> list[Any]:
        async with self.runtime.engine.connect() as connection:
            return list((await connection.execute(sa.select(table))).all())

    async def events(self) -> list[tuple[str, str]]:
        async with self.runtime.engine.connect() as connection:
            rows = await connection.execute(
                sa.text("SELECT type, correlation_id FROM events ORDER BY position")
            )
            return [(row.type, row.correlation_id) for row in rows]


@pytest.fixture
async def intake(tmp_path: Path) -> AsyncIterator[Intake]:
    settings = settings_for("intake", tmp_path)
    clock = ManualClock(NOW)
    app = build_app(
        settings,
        clock=clock,
        record_publisher=RecordingPublisher(),
        token_bytes=lambda n: bytes(range(1, n + 1)),
    )
    runtime: ServiceRuntime = app.state.runtime
    async with running(runtime):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://intake") as client:
            yield Intake(runtime, client, Feed(), settings.topics.portal_submissions, clock)


async def test_valid_submissions_get_sequential_numbers_of_their_istanbul_year(intake: Intake) -> None:
    await intake.send(submission(1), submission(2), submission(3, submitted_at="2026-05-22T10:30:00Z"))
    numbers = sorted(row.application_number[:12] for row in await intake.rows(applications))
    assert numbers == ["2026-000001-", "2026-000002-", "2026-000003-"]


async def test_a_new_year_in_istanbul_starts_a_new_sequence(intake: Intake) -> None:
    intake.clock.set(datetime(2026, 12, 31, 22, 31, tzinfo=UTC))
    await intake.send(submission(1, submitted_at="2026-12-31T22:30:00Z"))  # 1 January in Istanbul
    (row,) = await intake.rows(applications)
    assert row.application_number.startswith("2027-000001-")


async def test_an_invalid_submission_is_rejected_with_every_problem(intake: Intake) -> None:
    await intake.send(
        submission(1, applicant={"name": "A", "phone": "0312 123 45 67", "tckn": "12345678901"})
    )
    (row,) = await intake.rows(submissions)
    assert row.status == "REJECTED" and await intake.rows(applications) == []
    assert {p["code"] for p in row.problems} >= {"PHONE_NOT_MOBILE", "TCKN_INVALID"}
    assert all(p["message_tr"] for p in row.problems)


@pytest.mark.parametrize(
    "submitted_at", ["1999-06-01T00:00:00+03:00", "9999-12-31T23:00:00-05:00", "2099-01-01T00:00:00Z"]
)
async def test_a_date_intake_cannot_number_is_a_rejection_the_citizen_sees(
    intake: Intake, submitted_at: str
) -> None:
    await intake.send(submission(1, submitted_at=submitted_at), submission(2))
    outcome = (
        await intake.client.get(f"/api/v1/submissions/{json.loads(submission(1))['submission_id']}")
    ).json()
    assert outcome["status"] == "REJECTED"
    assert [p["code"] for p in outcome["problems"]] == ["SUBMITTED_AT_OUT_OF_RANGE"]
    assert len(await intake.rows(applications)) == 1  # its neighbour was registered


async def test_hostile_bodies_are_rejections_and_lose_nothing_around_them(intake: Intake) -> None:
    readable_id = "11111111-1111-4111-8111-111111111111"
    deep = b'{"submission_id": "' + readable_id.encode() + b'", "x": ' + b"[" * 50_000 + b"]" * 50_000 + b"}"
    huge = b'{"submission_id": "x", "n": ' + b"9" * 5000 + b"}"
    await intake.send(
        submission(1), deep, b"\xff\xfe", huge, submission(2, text="Metin \u0000\ud800 burada yazıyor.")
    )
    outcome = (await intake.client.get(f"/api/v1/submissions/{readable_id}")).json()
    assert outcome["status"] == "REJECTED" and [p["code"] for p in outcome["problems"]] == [
        "PAYLOAD_NOT_JSON"
    ]
    assert len(await intake.rows(applications)) == 2
    types = [kind for kind, _ in await intake.events()]
    assert types.count("SubmissionRejected") == 3 and "MessageDeadLettered" not in types


async def test_a_submission_id_reused_for_another_submission_is_set_aside_not_dropped(intake: Intake) -> None:
    first = submission(1)
    resent = submission(1, submitted_at="2026-05-22T14:00:30+03:00")  # a retry, sent a moment later
    other = submission(
        1, applicant={"name": "Mehmet Kaya", "phone": "0533 111 22 33"}, text="Başka bir dert."
    )
    await intake.send(first, resent, other)
    kinds = [kind for kind, _ in await intake.events()]
    assert kinds.count("ApplicationRegistered") == 1 and kinds.count("MessageDeadLettered") == 1
    assert len(await intake.rows(applications)) == 1  # the first one stands, the other is kept aside


async def test_the_applicants_wishes_are_json_booleans(intake: Intake) -> None:
    # "yes" read as true would silently cost the applicant every SMS.
    applicant = {**VALID["applicant"], "identity_hidden": "yes"}
    await intake.send(submission(1, applicant=applicant))
    outcome = (
        await intake.client.get(f"/api/v1/submissions/{json.loads(submission(1))['submission_id']}")
    ).json()
    assert outcome["status"] == "REJECTED"
    assert [p["field"] for p in outcome["problems"]] == ["applicant.identity_hidden"]


async def test_an_unreadable_body_is_answered_under_the_records_key(intake: Intake) -> None:
    # The contract's key is the submission id: a portal polling for it must get an answer, not
    # "not processed yet" for ever.
    keyed = "22222222-2222-4222-8222-222222222222"
    message = intake.feed.message(intake.portal, b"not json")
    await intake.runtime.processor.process([dataclasses.replace(message, key=keyed.encode())])
    outcome = (await intake.client.get(f"/api/v1/submissions/{keyed}")).json()
    assert outcome["status"] == "REJECTED"
    assert [p["code"] for p in outcome["problems"]] == ["PAYLOAD_NOT_JSON"]


async def test_the_number_alone_shows_the_stage_and_a_wrong_code_the_generic_404(intake: Intake) -> None:
    await intake.send(submission(1))
    outcome = (
        await intake.client.get(f"/api/v1/submissions/{json.loads(submission(1))['submission_id']}")
    ).json()
    number, code = outcome["application_number"], outcome["tracking_code"]
    ok = await intake.client.get(f"/api/v1/applications/{number}", params={"tracking_code": code.lower()})
    assert ok.status_code == 200 and ok.json()["stage"] == "REGISTERED" and "timeline" in ok.json()
    # A header's bytes are UTF-8 as a phone sends them (a Turkish İ for 1, an en dash for the dash),
    # not Latin-1: the same code as in the query.
    typed = code.replace("-", "–").replace("1", "İ").encode("utf-8")
    by_header = await intake.client.get(f"/api/v1/applications/{number}", headers={"X-Tracking-Code": typed})
    assert by_header.status_code == 200 and "timeline" in by_header.json()
    no_code = await intake.client.get(f"/api/v1/applications/{number}")
    assert no_code.status_code == 200
    assert no_code.json() == {
        "application_number": number,
        "stage": "REGISTERED",
        "stage_label": "Başvurunuz alındı ve kaydedildi",
        "deadline": None,
        "deadline_paused": False,
    }
    wrong_code = await intake.client.get(
        f"/api/v1/applications/{number}", params={"tracking_code": "0000-0000-0000"}
    )
    malformed_code = await intake.client.get(
        f"/api/v1/applications/{number}", headers={"X-Tracking-Code": "?"}
    )
    unknown = await intake.client.get("/api/v1/applications/2026-999999-R", params={"tracking_code": code})
    unknown_alone = await intake.client.get("/api/v1/applications/2026-999999-R")
    answers = [wrong_code, malformed_code, unknown, unknown_alone]
    assert {answer.status_code for answer in answers} == {404}
    assert len({answer.content for answer in answers}) == 1  # no hint which one was wrong
    assert "takip kodu" in unknown.json()["error"]["message"]


async def test_the_stage_follows_routing_and_the_deadline_in_any_order_and_never_back(intake: Intake) -> None:
    await intake.send(submission(1))
    (row,) = await intake.rows(applications)
    number = row.application_number
    routed = CaseRouted(
        application_number=number,
        institution="BELEDIYE_KARS",
        institution_name="Kars Belediyesi",
        rule="water",
        confidence=0.9,
        matched=["su"],
        table_version="t",
        received_at=NOW,
    )
    due = datetime(2026, 6, 5, 20, 59, 59, tzinfo=UTC)
    deadline = DeadlineSet(
        application_number=number, institution="BELEDIYE_KARS", received_at=NOW, budget_days=7, due_at=due
    )
    topics = intake.runtime.settings.topics
    feed = intake.feed
    sla_event = upstream("sla-monitor", deadline, correlation_id=number, occurred_at=NOW)
    router_event = upstream("router", routed, correlation_id=number, occurred_at=NOW)
    await intake.runtime.processor.process([feed.event(topics.events_of("sla-monitor"), sla_event)])
    await intake.runtime.processor.process([feed.event(topics.events_of("router"), router_event)])
    (row,) = await intake.rows(applications)
    assert (row.stage, row.institution, row.due_at) == ("ROUTED", "BELEDIYE_KARS", due)
    stage_changes = [kind for kind, _ in await intake.events() if kind == "ApplicationStageChanged"]
    assert stage_changes == ["ApplicationStageChanged"]  # the late CaseRouted changed nothing
    while await intake.runtime.relay.publish_pending():
        pass
    publisher = intake.runtime.record_publisher
    assert isinstance(publisher, RecordingPublisher)
    # The status is intake's own to show: its changes stay in its log, off intake's topic.
    assert [event.type for event in publisher.envelopes()] == ["ApplicationRegistered"]


async def test_an_event_about_an_unknown_application_is_dead_lettered(intake: Intake) -> None:
    deadline = DeadlineSet(
        application_number="2026-000009-W",
        institution="SAGLIK",
        received_at=NOW,
        budget_days=7,
        due_at=NOW + timedelta(days=9),
    )
    event = upstream("sla-monitor", deadline, correlation_id="2026-000009-W", occurred_at=NOW)
    topic = intake.runtime.settings.topics.events_of("sla-monitor")
    await intake.runtime.processor.process([intake.feed.event(topic, event)])
    assert [kind for kind, _ in await intake.events()] == ["MessageDeadLettered"]


async def test_the_delivery_report_of_a_rejection_sms_is_no_fault(intake: Intake) -> None:
    # The notifier keys a rejected submission's SMS by the submission id: there is no application (nor
    # timeline) for its report, and normal traffic must not fill the dead letters.
    report = SmsDelivered(
        application_number="0b9d3c1e-6a52-4f7e-9a51-2f0c8e7d4b10",
        request_event_id="r-1",
        provider_message_id="p-1",
        template="rejected",
        delivered_at=NOW,
        status=1,
    )
    event = upstream("notifier", report, correlation_id=report.application_number, occurred_at=NOW)
    topic = intake.runtime.settings.topics.events_of("notifier")
    await intake.runtime.processor.process([intake.feed.event(topic, event)])
    assert await intake.events() == []


async def test_the_read_models_rebuilt_from_the_log_equal_the_live_ones(intake: Intake) -> None:
    await intake.send(submission(1), b"not json", submission(2, topic="YOK"))

    async def snapshot() -> list[object]:
        return [
            sorted(tuple(row) for row in await intake.rows(table)) for table in (applications, submissions)
        ]

    live = await snapshot()
    assert all(live)
    runtime = intake.runtime
    replayed = await rebuild_projections(runtime.engine, runtime.store, IntakeProjector())
    assert replayed == 6  # number issued, registered, noted in two applicant histories, two rejections
    assert await snapshot() == live


@pytest.mark.postgres
async def test_two_intake_instances_on_one_database_never_issue_one_number_twice(
    tmp_path: Path, postgres_database_url: str
) -> None:
    # Review finding S1: every registration appends to the year's numbering stream; read under the
    # log's append lock, two instances queue for numbers instead of conflicting over them.
    runtimes = []
    for index in range(2):
        settings = settings_for("intake", tmp_path / f"i{index}").model_copy(
            update={"database_url": postgres_database_url}
        )
        runtimes.append(
            build_app(settings, clock=ManualClock(NOW), record_publisher=RecordingPublisher()).state.runtime
        )
    feeds = [Feed(), Feed()]
    portal = runtimes[0].settings.topics.portal_submissions
    batches = [
        [feeds[index].message(portal, submission(index * 1000 + n)) for n in range(60)] for index in range(2)
    ]
    async with running(runtimes[0]), running(runtimes[1]):
        for part in range(0, 60, 20):
            await asyncio.gather(
                *(
                    runtime.processor.process(batch[part : part + 20])
                    for runtime, batch in zip(runtimes, batches, strict=True)
                )
            )
        async with runtimes[0].engine.connect() as connection:
            numbers = [row.application_number for row in await connection.execute(sa.select(applications))]
            dead = (
                await connection.execute(
                    sa.text("SELECT count(*) FROM events WHERE type = 'MessageDeadLettered'")
                )
            ).scalar()
    assert len(numbers) == len(set(numbers)) == 120 and dead == 0
    assert sorted(int(n.split("-")[1]) for n in numbers) == list(range(1, 121))


async def test_a_batch_reads_its_applicants_histories_in_one_query_not_one_each(
    intake: Intake, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = intake.runtime.store
    one_by_one: list[str] = []
    load_stream = store.load_stream

    async def counting(connection: Any, stream_id: str) -> Any:
        one_by_one.append(stream_id)
        return await load_stream(connection, stream_id)

    monkeypatch.setattr(store, "load_stream", counting)
    phones = [f"0532 123 45 {n:02d}" for n in range(5)]
    await intake.send(
        *(submission(n, applicant={**VALID["applicant"], "phone": p}) for n, p in enumerate(phones))
    )
    assert len(await intake.rows(applications)) == 5
    assert [s for s in one_by_one if s.startswith("applicant:")] == []  # all prefetched with the batch
    # The same applicant again, in a later batch, is still compared with the earlier application.
    await intake.send(submission(9, applicant={**VALID["applicant"], "phone": phones[0]}))
    assert ("LikelyDuplicateFlagged", "2026-000006-") in {(t, c[:12]) for t, c in await intake.events()}
