"""The desk and Halk Günü through intake's composition root over HTTP (ASGI): office staff enter
applications with a bearer token and an Idempotency-Key, meetings are recorded and their figures counted
from the log; every refusal in the one error shape (on SQLite and on PostgreSQL; no broker)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from acikkapi_shared.clock import ManualClock
from acikkapi_shared.eventstore.replay import rebuild_projections
from acikkapi_shared.runtime import ServiceRuntime
from acikkapi_shared.staff.identity import Role
from acikkapi_shared.staff.keys import FileKeySet
from acikkapi_shared.staff.local import LocalIssuer, StaffUser
from acikkapi_shared.staff.tokens import TokenValidator
from acikkapi_shared.testing.fakes import RecordingPublisher
from acikkapi_shared.testing.in_process import relayed, running, settings_for
from intake.app import build_app
from intake.projections import IntakeProjector, meeting_applications, meetings

NOW = datetime(2026, 5, 22, 11, 0, 5, tzinfo=UTC)
APPLICANT = {"name": "Ayşe Yılmaz", "phone": "0532 123 45 67"}
WATER = "Yusufpaşa Mahallesi'nde iki gündür içme suyu kesik, belediyeyi aradık ama kimse ilgilenmiyor."
MEETING = {
    "held_on": "2026-05-20",
    "chair": "Vali Ahmet Yılmaz",
    "place": "Kars Valiliği",
    "attendee_count": 21,
}


def application(channel: str, **fields: Any) -> dict[str, Any]:
    body = {
        "channel": channel,
        "applicant": APPLICANT,
        "topic": "YEREL_YONETIMLER",
        "type": "SIKAYET",
        "district": "MERKEZ",
        "text": WATER,
    }
    return {**body, **fields}


def problems_of(answer: httpx.Response) -> list[tuple[str, str]]:
    """Returns the (field, code) of each problem of a 422 in the one error shape."""
    return [(p["field"], p["code"]) for p in answer.json()["error"]["problems"]]


@dataclass
class Desk:
    runtime: ServiceRuntime
    http: httpx.AsyncClient
    issuer: LocalIssuer
    publisher: RecordingPublisher

    def headers(self, subject: str | None, key: str | None) -> dict[str, str]:
        headers = {} if key is None else {"Idempotency-Key": key}
        if subject is not None:
            headers["Authorization"] = f"Bearer {self.issuer.issue_token(subject)}"
        return headers

    async def enter(
        self, body: Any, *, subject: str | None = "ofis", key: str | None = "k-1"
    ) -> httpx.Response:
        return await self.http.post(
            "/api/v1/desk/applications", json=body, headers=self.headers(subject, key)
        )

    async def meeting(
        self, body: Any, *, subject: str | None = "ofis", key: str | None = "m-1"
    ) -> httpx.Response:
        return await self.http.post("/api/v1/desk/meetings", json=body, headers=self.headers(subject, key))

    async def get(self, path: str, subject: str = "ofis", **params: Any) -> httpx.Response:
        return await self.http.get(path, params=params, headers=self.headers(subject, None))

    async def log(self) -> list[str]:
        async with self.runtime.engine.connect() as connection:
            query = sa.text("SELECT type FROM events ORDER BY position")
            return list((await connection.execute(query)).scalars())


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def desk(tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[Desk]:
    clock = ManualClock(NOW)
    issuer = LocalIssuer(tmp_path / "staff", clock=clock)
    issuer.add_user(StaffUser("ofis", "Ayşe Yılmaz", (Role.OFFICE_OFFICER,)))
    issuer.add_user(StaffUser("sef", "Zeynep Kaya", (Role.SUPERVISOR,)))
    issuer.add_user(StaffUser("denetci", "Can Demir", (Role.AUDITOR,)))
    issuer.add_user(StaffUser("belediye", "Ali Kaya", (Role.INSTITUTION_OFFICER,), "BELEDIYE_KARS"))
    settings = settings_for("intake", tmp_path)
    if request.param == "postgres":
        settings = settings.model_copy(
            update={"database_url": request.getfixturevalue("postgres_database_url")}
        )
    publisher = RecordingPublisher()
    validator = TokenValidator(
        FileKeySet(issuer.jwks_path), issuer="acikkapi-local", audience="acikkapi", clock=clock
    )
    app = build_app(settings, clock=clock, record_publisher=publisher, staff_tokens=validator)
    runtime: ServiceRuntime = app.state.runtime
    async with (
        running(runtime),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://intake") as http,
    ):
        yield Desk(runtime, http, issuer, publisher)


async def test_an_application_entered_at_the_desk_is_registered_once_like_a_portal_one(desk: Desk) -> None:
    first = await desk.enter(application("PHONE"))
    assert first.status_code == 201, first.text
    answer = first.json()
    assert answer["channel"] == "PHONE" and answer["meeting_id"] is None and not answer["replayed"]
    again = await desk.enter(application("PHONE"))  # a retry with the key: the same application
    assert again.status_code == 201 and again.json() == {**answer, "replayed": True}
    reused = await desk.enter(application("EMAIL"))
    assert reused.status_code == 409 and reused.json()["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    # Another officer's same key is another request.
    other = await desk.enter(application("PHONE"), subject="sef")
    assert other.status_code == 201 and other.json()["application_number"] != answer["application_number"]
    assert (await desk.log()).count("ApplicationRegistered") == 2
    # The applicant follows it with the number and code, as any application.
    status = await desk.http.get(
        f"/api/v1/applications/{answer['application_number']}",
        headers={"X-Tracking-Code": answer["tracking_code"]},
    )
    assert status.status_code == 200 and status.json()["stage"] == "REGISTERED"
    published = [e for e in await relayed(desk.publisher, 2) if e.type == "ApplicationRegistered"]
    first_event = next(
        e for e in published if e.payload["application_number"] == answer["application_number"]
    )
    assert first_event.payload["channel"] == "PHONE"
    assert first_event.payload["applicant"]["phone"] == "+905321234567"
    assert first_event.metadata["actor"] == "staff:ofis"


async def test_every_problem_of_a_desk_application_is_named_and_nothing_recorded(desk: Desk) -> None:
    body = application(
        "WEB",
        applicant={"name": "Ayşe Yılmaz", "phone": "0312 123 45 67", "tckn": "12345678901"},
        district="ATLANTIS",
        received_at="dün",
    )
    refused = await desk.enter(body)
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert (error["code"], error["field"]) == ("APPLICATION_INVALID", "received_at")
    assert [(p["field"], p["code"]) for p in error["problems"]] == [
        ("received_at", "SUBMITTED_AT_INVALID"),
        ("applicant.phone", "PHONE_NOT_MOBILE"),
        ("applicant.tckn", "TCKN_INVALID"),
        ("district", "DISTRICT_UNKNOWN"),
        ("channel", "CHANNEL_NOT_DESK"),
    ]
    assert all(p["message"] for p in error["problems"])
    assert error["problems"][0]["message"].startswith("Alınma zamanı okunamadı")  # the staff's words
    no_meeting = await desk.enter(application("HALK_GUNU"), key="k-2")
    assert [p["code"] for p in no_meeting.json()["error"]["problems"]] == ["MEETING_REQUIRED"]
    not_there = await desk.enter(
        application("DESK", meeting_id="0b9d3c1e-6a52-4f7e-9a51-2f0c8e7d4b10"), key="k-3"
    )
    assert [p["code"] for p in not_there.json()["error"]["problems"]] == ["MEETING_NOT_ALLOWED"]
    empty = await desk.enter({"applicant": APPLICANT, "text": WATER, "channel": None}, key="k-4")
    assert [(p["field"], p["code"]) for p in empty.json()["error"]["problems"]] == [
        ("channel", "FIELD_MISSING"),
        ("topic", "FIELD_MISSING"),
        ("type", "FIELD_MISSING"),
        ("district", "FIELD_MISSING"),
    ]  # left out or null: missing, as on the portal
    assert "ApplicationRegistered" not in await desk.log()


async def test_the_desk_takes_address_location_and_attachments_checked_as_on_every_channel(
    desk: Desk,
) -> None:
    tester = application(
        "DESK",
        address="a",
        location={"lat": 41.0, "long": 29.0},  # Istanbul
        attachments=["ftp://x", "javascript:alert(1)"],
    )
    refused = await desk.enter(tester)
    assert refused.status_code == 422, refused.text
    assert problems_of(refused) == [
        ("address", "TEXT_TOO_SHORT"),
        ("location", "LOCATION_OUTSIDE_KARS"),
        ("attachments", "ATTACHMENT_URL_INVALID"),
    ]
    six = [f"https://foto.example/{index}.jpg" for index in range(6)]
    too_many = await desk.enter(application("PHONE", location="Kars", attachments=six), key="k-2")
    assert problems_of(too_many) == [
        ("location", "LOCATION_INVALID"),
        ("attachments", "ATTACHMENTS_TOO_MANY"),
    ]
    placed = application(
        "DESK",
        address="  Yusufpaşa Mah.  Kanal Sk. 12 ",
        location={"lat": "40.6013", "long": 43.0975},
        attachments=["https://foto.example/su.jpg"],
    )
    entered = await desk.enter(placed, key="k-3")
    assert entered.status_code == 201, entered.text
    assert "ApplicationRegistered" in await desk.log()
    (registered,) = [e for e in await relayed(desk.publisher, 1) if e.type == "ApplicationRegistered"]
    assert registered.payload["application_number"] == entered.json()["application_number"]
    assert (registered.payload["address"], registered.payload["attachments"]) == (
        "Yusufpaşa Mah. Kanal Sk. 12",
        ["https://foto.example/su.jpg"],
    )
    assert registered.payload["location"] == {"lat": 40.6013, "long": 43.0975}


async def test_a_key_that_is_no_field_of_the_desk_is_refused_by_name(desk: Desk) -> None:
    body = application("DESK", adres="Kars", applicant={**APPLICANT, "tc": "10000000146"}, topic="NOPE")
    refused = await desk.enter(body)
    assert refused.status_code == 422
    assert problems_of(refused) == [
        ("topic", "TOPIC_UNKNOWN"),
        ("adres", "FIELD_UNKNOWN"),
        ("applicant.tc", "FIELD_UNKNOWN"),
    ]
    unknown = refused.json()["error"]["problems"][1]["message"]
    assert unknown == "Tanınmayan alan: adres. Bu alan kabul edilmiyor; lütfen alan adını kontrol edin."
    assert "ApplicationRegistered" not in await desk.log()


async def test_a_halk_gunu_entry_names_its_meeting_with_every_other_problem(desk: Desk) -> None:
    landline = {"name": "Ayşe Yılmaz", "phone": "0312 123 45 67"}
    unknown_meeting = application(
        "HALK_GUNU", meeting_id="0b9d3c1e-6a52-4f7e-9a51-2f0c8e7d4b10", applicant=landline, topic="NOPE"
    )
    refused = await desk.enter(unknown_meeting)
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "APPLICATION_INVALID"
    assert problems_of(refused) == [
        ("applicant.phone", "PHONE_NOT_MOBILE"),
        ("topic", "TOPIC_UNKNOWN"),
        ("meeting_id", "MEETING_NOT_FOUND"),
    ]
    meeting_id = (await desk.meeting(MEETING)).json()["meeting_id"]
    early = application(
        "HALK_GUNU", meeting_id=meeting_id, topic="NOPE", received_at="2026-05-19T16:00:00+03:00"
    )
    refused_early = await desk.enter(early, key="k-2")
    assert problems_of(refused_early) == [
        ("topic", "TOPIC_UNKNOWN"),
        ("received_at", "RECEIVED_BEFORE_MEETING"),
    ]
    for edge in ("9999-12-31T23:00:00+00:00", "0001-01-01T00:30:00+05:00"):  # not in Istanbul's range
        at_edge = await desk.enter({**early, "received_at": edge}, key=f"k-{edge}")
        assert problems_of(at_edge) == [
            ("received_at", "SUBMITTED_AT_OUT_OF_RANGE"),
            ("topic", "TOPIC_UNKNOWN"),
        ]
    assert "ApplicationRegistered" not in await desk.log()


async def test_a_back_dated_desk_entry_is_the_earlier_of_its_likely_duplicate_pair(desk: Desk) -> None:
    applicant = {**APPLICANT, "tckn": "10000000146"}  # two keys of one applicant: one link all the same
    today = await desk.enter(application("PHONE", applicant=applicant), key="k-1")
    reworded = "İki gündür Yusufpaşa Mahallesi'nde içme suyu kesik; belediyeyi aradık, kimse ilgilenmiyor!"
    received_before = application(
        "DESK", applicant=applicant, text=reworded, received_at="2026-05-19T10:00:00+03:00"
    )
    back_dated = await desk.enter(received_before, key="k-2")  # registered second, received first
    assert today.status_code == back_dated.status_code == 201, back_dated.text
    shown = await desk.get("/api/v1/office/duplicates")
    assert [(d["application_number"], d["earlier_application_number"]) for d in shown.json()] == [
        (today.json()["application_number"], back_dated.json()["application_number"])
    ]


async def test_a_halk_gunu_meeting_links_its_applications_and_the_figures_come_from_the_log(
    desk: Desk,
) -> None:
    recorded = await desk.meeting(MEETING)
    assert recorded.status_code == 201, recorded.text
    meeting_id = recorded.json()["meeting_id"]
    assert recorded.json() == {**MEETING, "meeting_id": meeting_id, "applications": 0, "replayed": False}
    assert (await desk.meeting(MEETING)).json()["replayed"]  # the same key: the same meeting
    second = await desk.meeting({**MEETING, "held_on": "2026-03-11", "attendee_count": 17}, key="m-2")
    numbers = []
    for index in range(3):
        entered = await desk.enter(application("HALK_GUNU", meeting_id=meeting_id), key=f"h-{index}")
        assert entered.status_code == 201, entered.text
        assert entered.json()["meeting_id"] == meeting_id
        numbers.append(entered.json()["application_number"])
    early = await desk.enter(
        application("HALK_GUNU", meeting_id=meeting_id, received_at="2026-05-19T16:00:00+03:00"), key="h-e"
    )
    assert early.status_code == 422, early.text  # received the day before the meeting was held
    assert problems_of(early) == [("received_at", "RECEIVED_BEFORE_MEETING")]
    unknown = await desk.enter(
        application("HALK_GUNU", meeting_id="0b9d3c1e-6a52-4f7e-9a51-2f0c8e7d4b10"), key="h-x"
    )
    assert unknown.status_code == 422 and problems_of(unknown) == [("meeting_id", "MEETING_NOT_FOUND")]
    figures = await desk.get("/api/v1/desk/meetings", subject="denetci", year=2026)
    assert figures.status_code == 200
    assert {k: v for k, v in figures.json().items() if k != "items"} == {
        "year": 2026,
        "meetings": 2,
        "attendees": 38,
        "applications": 3,
    }
    assert [item["held_on"] for item in figures.json()["items"]] == ["2026-03-11", "2026-05-20"]
    assert (await desk.get("/api/v1/desk/meetings", year=2025)).json()["meetings"] == 0
    detail = await desk.get(f"/api/v1/desk/meetings/{meeting_id}")
    assert detail.json()["application_numbers"] == sorted(numbers) and detail.json()["applications"] == 3
    missing = await desk.get(f"/api/v1/desk/meetings/{second.json()['meeting_id']}x")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "MEETING_NOT_FOUND"
    # The read models are the log's: rebuilt from it, they say the same.
    async with desk.runtime.engine.connect() as connection:
        before = [
            sorted(map(tuple, await connection.execute(sa.select(t))))
            for t in (meetings, meeting_applications)
        ]
    await rebuild_projections(desk.runtime.engine, desk.runtime.store, IntakeProjector())
    async with desk.runtime.engine.connect() as connection:
        after = [
            sorted(map(tuple, await connection.execute(sa.select(t))))
            for t in (meetings, meeting_applications)
        ]
    assert after == before and len(after[1]) == 3


async def test_a_meeting_is_recorded_once_whoever_records_it_under_whatever_key(desk: Desk) -> None:
    first = await desk.meeting(MEETING, subject="ofis", key="hg-1")
    assert first.status_code == 201, first.text
    meeting_id = first.json()["meeting_id"]
    again = await desk.meeting(MEETING, subject="sef", key="hg-1")  # the supervisor, the same key
    assert again.status_code == 409, again.text
    assert again.json()["error"]["code"] == "MEETING_ALREADY_RECORDED"
    assert again.json()["error"]["meeting_id"] == meeting_id and again.json()["error"]["field"] is None
    retyped = {**MEETING, "chair": "VALİ  AHMET YILMAZ", "place": " kars valiliği", "attendee_count": 22}
    other_key = await desk.meeting(retyped, subject="ofis", key="hg-2")
    assert other_key.status_code == 409 and other_key.json()["error"]["meeting_id"] == meeting_id
    assert (await desk.meeting(MEETING, subject="ofis", key="hg-1")).json()["replayed"]  # a retry
    # Two writers at once: one meeting.
    elsewhere = {**MEETING, "place": "Sarıkamış Kaymakamlığı"}
    racing = await asyncio.gather(
        desk.meeting(elsewhere, subject="ofis", key="hg-3"),
        desk.meeting(elsewhere, subject="sef", key="hg-3"),
    )
    assert sorted(answer.status_code for answer in racing) == [201, 409]
    assert (await desk.log()).count("MeetingRecorded") == 2
    figures = (await desk.get("/api/v1/desk/meetings", year=2026)).json()
    assert (figures["meetings"], figures["attendees"]) == (2, 42)


async def test_a_meeting_must_be_plausible(desk: Desk) -> None:
    future = await desk.meeting({**MEETING, "held_on": "2026-05-23"})
    assert future.status_code == 422 and problems_of(future) == [("held_on", "HELD_ON_OUT_OF_RANGE")]
    nobody = await desk.meeting({**MEETING, "attendee_count": 0}, key="m-2")
    assert problems_of(nobody) == [("attendee_count", "ATTENDEES_OUT_OF_RANGE")]
    blank = await desk.meeting({**MEETING, "chair": " \u200b "}, key="m-3")
    assert blank.json()["error"] == {
        "code": "MEETING_INVALID",
        "message": "Toplantı kaydedilemedi; lütfen işaretlenen alanları düzeltin.",
        "field": "chair",
        "problems": [
            {"code": "FIELD_MISSING", "field": "chair", "message": "Toplantı başkanı alanı boş bırakılamaz."}
        ],
    }
    not_a_number = await desk.meeting({**MEETING, "attendee_count": True}, key="m-5")
    assert problems_of(not_a_number) == [("attendee_count", "ATTENDEES_NOT_INTEGER")]
    not_a_date = await desk.meeting({**MEETING, "held_on": "yarın"}, key="m-4")
    assert not_a_date.status_code == 422 and problems_of(not_a_date) == [("held_on", "HELD_ON_INVALID")]
    assert "MeetingRecorded" not in await desk.log()


async def test_every_field_of_a_meeting_at_fault_is_named_in_one_answer(desk: Desk) -> None:
    nothing = await desk.meeting({})
    assert nothing.status_code == 422 and nothing.json()["error"]["code"] == "MEETING_INVALID"
    assert problems_of(nothing) == [
        ("held_on", "FIELD_MISSING"),
        ("chair", "FIELD_MISSING"),
        ("place", "FIELD_MISSING"),
        ("attendee_count", "FIELD_MISSING"),
    ]
    body = {"held_on": "2026-12-01T10:00:00+03:00", "chair": "", "place": "K", "attendee_count": 10001}
    several = await desk.meeting(body, key="m-2")
    assert problems_of(several) == [
        ("held_on", "HELD_ON_INVALID"),
        ("chair", "FIELD_MISSING"),
        ("place", "TEXT_TOO_SHORT"),
        ("attendee_count", "ATTENDEES_OUT_OF_RANGE"),
    ]
    both_names = await desk.meeting({**MEETING, "chair": "", "place": "", "yer": "Kars"}, key="m-3")
    assert problems_of(both_names) == [
        ("chair", "FIELD_MISSING"),
        ("place", "FIELD_MISSING"),
        ("yer", "FIELD_UNKNOWN"),
    ]
    assert all(p["message"] for p in both_names.json()["error"]["problems"])
    assert "MeetingRecorded" not in await desk.log()


async def test_every_desk_refusal_has_the_one_error_shape(desk: Desk) -> None:
    answers = {
        400: await desk.enter(application("DESK"), key=None),
        401: await desk.enter(application("DESK"), subject=None),
        403: await desk.enter(application("DESK"), subject="denetci"),
        404: await desk.get("/api/v1/desk/meetings/nope"),
        422: await desk.meeting({"held_on": "2026-05-20"}),
    }
    await desk.enter(application("DESK"), key="used")
    answers[409] = await desk.enter(application("PHONE"), key="used")
    for status, answer in answers.items():
        assert answer.status_code == status, (status, answer.text)
        body = answer.json()
        assert set(body) == {"error"} and {"code", "message", "field"} <= set(body["error"]), body
    assert answers[403].json()["error"]["code"] == "read_only"  # the auditor changes nothing
    # The framework's own refusals too: a body that is not UTF-8 JSON or is nested too deep, a path
    # that is not there, a method the path does not take.
    headers = {**desk.headers("ofis", "k-raw"), "Content-Type": "application/json"}
    registered = (await desk.log()).count("ApplicationRegistered")
    for raw in (b'{"text": "\xff"}', b"[" * 100_000 + b"]" * 100_000, b"not json", b'{"channel": "DE'):
        unreadable = await desk.http.post("/api/v1/desk/applications", content=raw, headers=headers)
        assert unreadable.status_code == 400, unreadable.text
        assert unreadable.json()["error"]["code"] == "BODY_UNREADABLE"
    too_long = await desk.get("/api/v1/office/duplicates", application_number="x" * 65)
    assert too_long.status_code == 422 and set(too_long.json()) == {"error"}  # the office's API too
    assert "xxxx" not in too_long.text  # and the input is not echoed
    nowhere = await desk.get("/api/v1/desk/nowhere")
    assert nowhere.status_code == 404 and nowhere.json()["error"]["code"] == "NOT_FOUND"
    wrong_method = await desk.http.delete("/api/v1/desk/applications", headers=headers)
    assert wrong_method.status_code == 405 and wrong_method.json()["error"]["code"] == "METHOD_NOT_ALLOWED"
    assert "POST" in wrong_method.headers["allow"]
    assert (await desk.log()).count("ApplicationRegistered") == registered  # nothing more recorded
    forbidden = await desk.get("/api/v1/desk/meetings", subject="belediye")
    assert forbidden.status_code == 403  # an institution has no business with the desk


async def test_the_auditor_writing_at_the_desk_is_read_only_another_role_role_required(desk: Desk) -> None:
    auditor_entering = await desk.enter(application("DESK"), subject="denetci")
    auditor_meeting = await desk.meeting(MEETING, subject="denetci")
    institution_entering = await desk.enter(application("DESK"), subject="belediye")
    for answer in (auditor_entering, auditor_meeting):
        assert answer.status_code == 403
        assert answer.json() == {
            "error": {
                "code": "read_only",
                "message": "Denetçi rolü yalnızca görüntüleyebilir; değişiklik yapamaz.",
                "field": None,
            }
        }
    assert institution_entering.status_code == 403
    assert institution_entering.json()["error"]["code"] == "role_required"
    assert (await desk.get("/api/v1/desk/meetings", subject="denetci")).status_code == 200  # it reads
    assert "ApplicationRegistered" not in await desk.log() and "MeetingRecorded" not in await desk.log()


async def test_a_key_given_twice_is_refused_by_its_path_not_guessed(desk: Desk) -> None:
    headers = {**desk.headers("ofis", "k-twice"), "Content-Type": "application/json"}
    body = json.dumps(application("DESK")).removesuffix("}")
    twice = body.replace('"phone": "0532 123 45 67"', '"phone": "0535 444 55 66", "phone": "0535 444 55 67"')
    twice += ', "text": "Su kesintisi var, lütfen yardım edin."}'  # text given twice
    refused = await desk.http.post("/api/v1/desk/applications", content=twice.encode(), headers=headers)
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["code"] == "APPLICATION_INVALID"
    assert problems_of(refused) == [("applicant.phone", "FIELD_REPEATED"), ("text", "FIELD_REPEATED")]
    assert refused.json()["error"]["problems"][0]["message"] == (
        "Cep telefonu numarası alanı birden fazla kez gönderildi; her alan yalnızca bir kez gönderilebilir."
    )
    meeting = json.dumps(MEETING).replace('"chair": ', '"chair": "Vali Yardımcısı", "chair": ')
    refused_meeting = await desk.http.post(
        "/api/v1/desk/meetings", content=meeting.encode(), headers={**headers, "Idempotency-Key": "m-1"}
    )
    assert refused_meeting.status_code == 422 and refused_meeting.json()["error"]["code"] == "MEETING_INVALID"
    assert problems_of(refused_meeting) == [("chair", "FIELD_REPEATED")]
    assert not {"ApplicationRegistered", "MeetingRecorded"} & set(await desk.log())
    # The bodies are still documented by their models.
    schema = (await desk.http.get("/openapi.json")).json()
    for path, model in (("applications", "DeskApplicationBody"), ("meetings", "MeetingBody")):
        content = schema["paths"][f"/api/v1/desk/{path}"]["post"]["requestBody"]["content"]
        assert content["application/json"]["schema"] == {"$ref": f"#/components/schemas/{model}"}


async def test_a_key_that_is_no_field_of_the_location_is_refused_by_name(desk: Desk) -> None:
    location = {"lat": 40.6, "long": 43.1, "accuracy": 12, "alt": 1768}
    refused = await desk.enter(application("DESK", location=location))
    assert refused.status_code == 422, refused.text
    assert problems_of(refused) == [("location.accuracy", "FIELD_UNKNOWN"), ("location.alt", "FIELD_UNKNOWN")]
    assert "ApplicationRegistered" not in await desk.log()


async def test_a_meeting_id_is_the_same_in_any_casing(desk: Desk) -> None:
    meeting_id = (await desk.meeting(MEETING)).json()["meeting_id"]
    entered = await desk.enter(application("HALK_GUNU", meeting_id=meeting_id.upper()))
    assert entered.status_code == 201 and entered.json()["meeting_id"] == meeting_id
    for typed in (meeting_id.upper(), f" {meeting_id.upper()} "):
        detail = await desk.get(f"/api/v1/desk/meetings/{typed}")
        assert detail.status_code == 200, detail.text
        assert detail.json()["meeting_id"] == meeting_id
        assert detail.json()["application_numbers"] == [entered.json()["application_number"]]


async def test_punctuation_does_not_make_another_meeting(desk: Desk) -> None:
    meeting_id = (await desk.meeting(MEETING)).json()["meeting_id"]
    for index, chair in enumerate(("Vali Ahmet Yılmaz.", "Vali, Ahmet Yılmaz", "Vali Ahmet Yılmaz (Vali)")):
        again = await desk.meeting({**MEETING, "chair": chair}, key=f"m-{index + 2}")
        if index < 2:
            assert again.status_code == 409, again.text
            assert again.json()["error"]["meeting_id"] == meeting_id
    assert again.status_code == 201  # another word is another chair
    assert (await desk.log()).count("MeetingRecorded") == 2


async def test_a_blank_moment_of_receipt_is_now_and_its_limit_is_told(desk: Desk) -> None:
    for index, blank in enumerate(("", "  ")):
        entered = await desk.enter(application("PHONE", received_at=blank), key=f"k-{index}")
        assert entered.status_code == 201, entered.text
    published = [e for e in await relayed(desk.publisher, 2) if e.type == "ApplicationRegistered"]
    assert [e.payload["received_at"] for e in published] == [NOW.isoformat().replace("+00:00", "Z")] * 2
    old = await desk.enter(application("PHONE", received_at="2026-01-02T10:00:00+03:00"), key="k-old")
    assert old.json()["error"]["problems"] == [
        {
            "code": "SUBMITTED_AT_OUT_OF_RANGE",
            "field": "received_at",
            "message": "Alınma zamanı 30 günden daha eski ya da ileri bir tarih olamaz.",
        }
    ]
    not_text = await desk.enter(application("PHONE", received_at=["dün"]), key="k-5")
    assert not_text.json()["error"]["problems"][0]["message"] == (
        "Alınma zamanı alanı metin olarak gönderilmelidir."
    )
