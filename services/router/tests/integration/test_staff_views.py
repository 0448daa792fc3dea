"""Staff reads over HTTP: the inbox (scope, filters, pages), a case's history, the office's views,
the sla-monitor's facts reaching the inbox once, and the OpenAPI document."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from acikkapi_shared.events.sla_monitor import (
    CaseEscalated,
    DeadlineBreached,
    DeadlineSet,
    DeadlinesRecomputed,
    DeadlineWarning,
    InstitutionDeadlineSet,
)
from router.entrypoints.command_bodies import COMMANDS

from .conftest import NOW, StaffApi, number_of

DUE = datetime(2026, 5, 29, 20, 59, 59, tzinfo=UTC)


def institution_clock(
    number: str, due: datetime, institution: str = "BELEDIYE_KARS"
) -> InstitutionDeadlineSet:
    return InstitutionDeadlineSet(
        application_number=number,
        institution=institution,
        started_at=NOW,
        budget_days=5,
        due_at=due,
        generation=1,
    )


async def seed(api: StaffApi, count: int) -> list[str]:
    """Routes count water complaints to the municipality, case i due i days after DUE."""
    numbers = [number_of(index + 1) for index in range(count)]
    for index, number in enumerate(numbers):
        await api.register(number)
        await api.deliver(
            "sla-monitor", api.sla_event(number, institution_clock(number, DUE + timedelta(days=index)))
        )
    return numbers


async def pages(api: StaffApi, subject: str, path: str, **params: object) -> list[str]:
    """Returns the numbers of every page of a list, following its cursors."""
    seen: list[str] = []
    cursor: object = None
    while True:
        query = {**params, **({} if cursor is None else {"cursor": cursor})}
        answer = await api.get(subject, path, **query)
        assert answer.status_code == 200, answer.text
        seen += [case["application_number"] for case in answer.json()["cases"]]
        cursor = answer.json()["next_cursor"]
        if cursor is None:
            return seen


async def test_an_sla_monitor_event_shows_in_the_inbox_once_even_when_redelivered(api: StaffApi) -> None:
    number = number_of(1)
    await api.register(number)
    first = (await api.get("belediye", "/api/v1/inbox")).json()["cases"][0]
    assert first["sla_state"] is None and first["due_at"] is None
    clock_set = api.sla_event(number, institution_clock(number, DUE))
    await api.deliver("sla-monitor", clock_set)
    await api.deliver("sla-monitor", clock_set)  # redelivered
    (case,) = (await api.get("belediye", "/api/v1/inbox")).json()["cases"]
    assert (case["sla_state"], case["due_at"], case["institution_due_at"]) == (
        "on_time",
        "2026-05-29T20:59:59Z",
        "2026-05-29T20:59:59Z",
    )
    office = DeadlineSet(
        application_number=number,
        institution="BELEDIYE_KARS",
        received_at=NOW,
        budget_days=7,
        due_at=DUE + timedelta(days=4),
    )
    await api.deliver("sla-monitor", api.sla_event(number, office))
    warning = DeadlineWarning(
        application_number=number,
        clock="institution",
        institution="BELEDIYE_KARS",
        days_before=1,
        due_at=DUE,
        late=False,
    )
    await api.deliver("sla-monitor", api.sla_event(number, warning))
    escalated = CaseEscalated(
        application_number=number,
        clock="institution",
        institution="BELEDIYE_KARS",
        level="office",
        due_at=DUE,
        late=False,
    )
    await api.deliver("sla-monitor", api.sla_event(number, escalated))  # not the inbox's business
    (case,) = (await api.get("belediye", "/api/v1/inbox")).json()["cases"]
    assert (case["sla_state"], case["office_due_at"]) == ("due_soon", "2026-06-02T20:59:59Z")
    recorded = await api.events(f"sla:{number}")
    assert [e.payload["source_type"] for e in recorded] == [
        "InstitutionDeadlineSet",
        "DeadlineSet",
        "DeadlineWarning",
    ]
    assert recorded[0].causation_id == str(clock_set.event_id) and recorded[0].correlation_id == number


async def test_a_recomputation_of_the_deadlines_moves_the_inbox_due_moments(api: StaffApi) -> None:
    number = number_of(1)
    await api.register(number)
    await api.deliver("sla-monitor", api.sla_event(number, institution_clock(number, DUE)))
    # A closure day declared after routing: both due moments move a business day later.
    recomputed = DeadlinesRecomputed(
        application_number=number,
        at=NOW,
        config_version="v2",
        previous_config_version="v1",
        office_budget_days=7,
        office_due_before=DUE + timedelta(days=4),
        office_due_at=DUE + timedelta(days=5),
        institution_budget_days=5,
        institution_due_before=DUE,
        institution_due_at=DUE + timedelta(days=3),
    )
    event = api.sla_event(number, recomputed)
    await api.deliver("sla-monitor", event)
    await api.deliver("sla-monitor", event)  # redelivered
    (case,) = (await api.get("belediye", "/api/v1/inbox")).json()["cases"]
    assert (case["due_at"], case["institution_due_at"], case["office_due_at"]) == (
        "2026-06-01T20:59:59Z",
        "2026-06-01T20:59:59Z",
        "2026-06-03T20:59:59Z",
    )
    assert case["sla_state"] == "on_time"
    due_after = (DUE + timedelta(days=1)).isoformat()
    assert await pages(api, "belediye", "/api/v1/inbox", due_before=due_after) == []
    recorded = await api.events(f"sla:{number}")
    assert [e.payload["source_type"] for e in recorded] == ["InstitutionDeadlineSet", "DeadlinesRecomputed"]


async def test_an_institution_officer_sees_its_own_inbox_and_no_other(api: StaffApi) -> None:
    mine = await seed(api, 2)
    village = number_of(10)
    await api.register(village, text="Köy yolumuz kardan kapandı.")
    assert await pages(api, "belediye", "/api/v1/inbox") == mine
    assert await pages(api, "ilozel", "/api/v1/inbox") == [village]
    other = await api.get("belediye", "/api/v1/inbox", institution="IL_OZEL_IDARE")
    assert other.status_code == 403 and other.json()["error"]["code"] == "other_institution"
    assert (await api.get("belediye", f"/api/v1/cases/{village}")).status_code == 404
    assert await pages(api, "denetci", "/api/v1/inbox") == [*mine, village]  # no due moment yet: last
    assert await pages(api, "ofis", "/api/v1/inbox", institution="IL_OZEL_IDARE") == [village]


async def test_pages_follow_the_due_moments_then_the_numbers_without_repeats_or_gaps(api: StaffApi) -> None:
    numbers = await seed(api, 7)
    tie = number_of(20)
    await api.register(tie)
    await api.deliver("sla-monitor", api.sla_event(tie, institution_clock(tie, DUE)))
    expected = [numbers[0], tie, *numbers[1:]]
    assert await pages(api, "belediye", "/api/v1/inbox", limit=3) == expected
    assert await pages(api, "belediye", "/api/v1/inbox", limit=200) == expected
    assert (await api.get("belediye", "/api/v1/inbox", limit=201)).status_code == 422
    bad = await api.get("belediye", "/api/v1/inbox", cursor="bm90LWEtY3Vyc29y")
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "INVALID_CURSOR"


async def test_filters_by_stage_sla_state_and_due_moment(api: StaffApi) -> None:
    numbers = await seed(api, 4)
    await api.post("belediye", numbers[1], "acknowledge")
    breach = DeadlineBreached(
        application_number=numbers[0],
        clock="institution",
        institution="BELEDIYE_KARS",
        due_at=DUE,
        late=False,
    )
    await api.deliver("sla-monitor", api.sla_event(numbers[0], breach))
    assert await pages(api, "belediye", "/api/v1/inbox", stage="ACKNOWLEDGED") == [numbers[1]]
    assert await pages(api, "belediye", "/api/v1/inbox", sla_state="breached") == [numbers[0]]
    before = (DUE + timedelta(days=2)).isoformat()
    assert await pages(api, "belediye", "/api/v1/inbox", due_before=before) == numbers[:2]
    assert (await api.get("belediye", "/api/v1/inbox", sla_state="late")).status_code == 422


async def test_the_office_views(api: StaffApi) -> None:
    numbers = await seed(api, 3)
    triage = number_of(30)
    await api.register(triage, topic="DIGER", text="genel bir konu hakkında")
    for number in numbers[:2]:
        await api.post("belediye", number, "acknowledge", key=f"ack-{number}")
    await api.post("belediye", numbers[0], "answer", {"answer": "Giderildi."}, key="answer")
    await api.post("belediye", numbers[1], "request-transfer", {"reason": "Bizim değil."}, key="transfer")
    assert await pages(api, "ofis", "/api/v1/office/triage") == [triage]
    assert await pages(api, "inceleme", "/api/v1/office/review") == [numbers[0]]
    assert await pages(api, "denetci", "/api/v1/office/transfers") == [numbers[1]]
    loads = (await api.get("sef", "/api/v1/office/institutions")).json()
    assert loads == [
        {
            "institution": "ACIKKAPI",
            "name": "Kars Valiliği Açık Kapı Şube Müdürlüğü",
            "open": 1,
            "by_sla_state": {
                "on_time": 0,
                "due_soon": 0,
                "breached": 0,
                "paused": 0,
                "closed": 0,
                "unknown": 1,
            },
        },
        {
            "institution": "BELEDIYE_KARS",
            "name": "Kars Belediyesi",
            "open": 3,
            "by_sla_state": {
                "on_time": 3,
                "due_soon": 0,
                "breached": 0,
                "paused": 0,
                "closed": 0,
                "unknown": 0,
            },
        },
    ]
    refused = await api.get("belediye", "/api/v1/office/review")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "role_required"


async def test_a_case_shows_its_history_with_actors_and_the_applicants_words_only_to_who_works_it(
    api: StaffApi,
) -> None:
    number = number_of(1)
    await api.register(number)
    await api.post("belediye", number, "acknowledge")
    await api.deliver("sla-monitor", api.sla_event(number, institution_clock(number, DUE)))
    detail = await api.get("denetci", f"/api/v1/cases/{number}")
    assert detail.status_code == 200
    body = detail.json()
    assert (body["stage"], body["institution"], body["sla_state"]) == (
        "ACKNOWLEDGED",
        "BELEDIYE_KARS",
        "on_time",
    )
    history = body["history"]
    assert [(item["type"], item["actor"]) for item in history] == [
        ("CaseRouted", "service:router"),
        ("CaseAcknowledged", "staff:belediye"),
        ("SlaRecorded", "service:router"),
    ]
    assert history[0]["withheld"] == ["matched"] and "matched" not in history[0]["payload"]
    # The decision keeps its explanation: how it was decided, what each opinion said, what was likeliest.
    routing = body["routing"]
    assert routing["decided_by"] in {"agree", "rules", "weak-agree", "model"}
    assert routing["suggestion"] == "BELEDIYE_KARS" == routing["model"][0]["institution"]
    assert len(routing["model"]) == 3 and 0 < routing["model"][0]["probability"] <= 1
    assert routing["model_version"] and routing["table_version"] == "2026.12.1"
    assert history[0]["payload"]["model_top"] == routing["model"]
    (routed, *_) = await api.events(number)
    assert routed.payload["matched"]  # the applicant's words the table matched: in the log, not shown
    worked = (await api.get("belediye", f"/api/v1/cases/{number}")).json()["history"][0]
    assert worked["withheld"] == [] and worked["payload"]["matched"] == routed.payload["matched"]
    assert (await api.get("sef", f"/api/v1/cases/{number_of(99)}")).status_code == 404


async def test_the_openapi_document_describes_every_command_with_its_idempotency_key(api: StaffApi) -> None:
    document = (await api.http.get("/openapi.json")).json()
    assert document["components"]["securitySchemes"]["HTTPBearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "A staff token (JWT) of the identity provider.",
    }
    for spec in COMMANDS:
        operation = document["paths"][f"/api/v1/cases/{{number}}/{spec.name}"]["post"]
        headers = {p["name"].lower(): p for p in operation["parameters"] if p["in"] == "header"}
        assert headers["idempotency-key"]["required"] is True, spec.name
        assert operation["tags"] == ["case commands"]
        assert {"200", "400", "401", "403", "404", "409", "422"} <= set(operation["responses"])
        assert operation["security"] == [{"HTTPBearer": []}], spec.name
        answer = operation["responses"]["200"]["content"]["application/json"]["schema"]
        assert answer == {"$ref": "#/components/schemas/CommandAnswer"}
    for path in (
        "/api/v1/inbox",
        "/api/v1/cases/{number}",
        "/api/v1/office/triage",
        "/api/v1/office/review",
        "/api/v1/office/transfers",
        "/api/v1/office/institutions",
    ):
        assert document["paths"][path]["get"]["security"] == [{"HTTPBearer": []}], path
