"""Staff commands over HTTP: every command end to end, who may send which, and what a refusal,
a replayed key or an illegal transition leaves behind (nothing)."""

from __future__ import annotations

import pytest
from structlog.testing import capture_logs

from acikkapi_shared.commands import CommandContext
from acikkapi_shared.reference import kars
from router.domain.case import case_decider
from router.domain.case_commands import SupplyInformation
from router.domain.case_rules import MAX_TEXT
from router.domain.routing import RoutingTable
from router.entrypoints.command_bodies import RouteByHandBody

from .conftest import StaffApi, number_of

NUMBER = number_of(1)


async def send(api: StaffApi, subject: str, command: str, body: object = None, number: str = NUMBER) -> str:
    """Sends a command under a fresh key; returns the one event type it recorded."""
    answer = await api.post(subject, number, command, body, key=f"{command}-{len(await api.events(number))}")
    assert answer.status_code == 200, answer.text
    (event,) = answer.json()["events"]
    return str(event["type"])


async def test_every_command_moves_the_case_and_records_its_actor_and_request_id(api: StaffApi) -> None:
    await api.register(NUMBER)
    answer = await api.http.post(
        f"/api/v1/cases/{NUMBER}/acknowledge",
        headers={
            "Authorization": f"Bearer {api.token('belediye')}",
            "Idempotency-Key": "ack-1",
            "X-Request-Id": "req-42",
        },
    )
    assert answer.status_code == 200 and answer.headers["X-Request-Id"] == "req-42"
    assert await send(api, "belediye", "request-information", {"question": "Hangi sokak?"}) == (
        "InformationRequested"
    )
    # The applicant's answer comes through intake (another engineer's translator): the command path.
    context = CommandContext(occurred_at=api.clock.now(), actor="applicant", idempotency_key="supply-1")
    cases = case_decider(RoutingTable.load_default(), kars())
    await api.runtime.gateway.handle(cases, NUMBER, SupplyInformation(text="Kazım Paşa Caddesi."), context)
    assert await send(api, "belediye", "answer", {"answer": "Arıza giderildi."}) == "CaseAnswered"
    assert await send(api, "inceleme", "return-answer", {"note": "Tarih ekleyin."}) == "AnswerReturned"
    assert await send(api, "belediye", "request-transfer", {"reason": "Şebeke İl Özel İdare'nin."}) == (
        "TransferRequested"
    )
    assert await send(api, "ofis", "refuse-transfer", {"reason": "Şehir içi şebeke belediyenin."}) == (
        "TransferRefused"
    )
    assert await send(api, "belediye", "answer", {"answer": "Arıza 23 Mayıs'ta giderildi."}) == "CaseAnswered"
    body = {"outcome": "RESOLVED"}
    assert await send(api, "sef", "approve-answer", body) == "CaseConcluded"
    events = await api.events(NUMBER)
    assert [(e.type, e.metadata.get("actor")) for e in events] == [
        ("CaseRouted", "service:router"),
        ("CaseAcknowledged", "staff:belediye"),
        ("InformationRequested", "staff:belediye"),
        ("InformationSupplied", "applicant"),
        ("CaseAnswered", "staff:belediye"),
        ("AnswerReturned", "staff:inceleme"),
        ("TransferRequested", "staff:belediye"),
        ("TransferRefused", "staff:ofis"),
        ("CaseAnswered", "staff:belediye"),
        ("CaseConcluded", "staff:sef"),
    ]
    assert events[1].metadata == {
        "actor": "staff:belediye",
        "idempotency_key": "staff:belediye:ack-1",
        "request_id": "req-42",
    }


async def test_transfers_and_routing_by_hand(api: StaffApi) -> None:
    triage = number_of(2)
    await api.register(triage, topic="DIGER", text="genel bir konu hakkında")
    body = {"institution": "BELEDIYE_KARS", "reason": "Su şebekesi."}
    assert await send(api, "ofis", "route-by-hand", body, number=triage) == "CaseRoutedByHand"
    assert await send(api, "belediye", "acknowledge", number=triage) == "CaseAcknowledged"
    request = {"reason": "Köy yolu bizim değil.", "suggested_institution": "IL_OZEL_IDARE"}
    assert await send(api, "belediye", "request-transfer", request, number=triage) == "TransferRequested"
    approval = {"institution": "IL_OZEL_IDARE"}
    assert await send(api, "sef", "approve-transfer", approval, number=triage) == "TransferApproved"
    # Now the other institution's case: the first one no longer sees it, the new one acts on it.
    assert (await api.post("belediye", triage, "acknowledge", key="late")).status_code == 404
    assert await send(api, "ilozel", "acknowledge", number=triage) == "CaseAcknowledged"


async def test_the_office_says_a_petition_was_unclear_from_its_text_when_it_routes_it_by_hand(
    api: StaffApi,
) -> None:
    vague = number_of(4)
    await api.register(vague, topic="DIGER", text="Bir sorunum var, lütfen yardım edin.")
    before = await api.events(vague)
    body = {"institution": "EMNIYET", "reason": "Başvuran telefonla arandı.", "unclear_from_text": "yes"}
    refused = await api.post("ofis", vague, "route-by-hand", body, key="vague")
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["code"] == "INVALID_REQUEST"
    assert refused.json()["error"]["field"] == "unclear_from_text"
    assert await api.events(vague) == before
    answer = await api.post("ofis", vague, "route-by-hand", {**body, "unclear_from_text": True}, key="vague")
    assert answer.status_code == 200, answer.text
    routed = (await api.events(vague))[-1]
    assert (routed.type, routed.payload["institution"], routed.payload["unclear_from_text"]) == (
        "CaseRoutedByHand",
        "EMNIYET",
        True,
    )
    detail = (await api.get("sef", f"/api/v1/cases/{vague}")).json()
    assert (detail["stage"], detail["institution"]) == ("ROUTED", "EMNIYET")  # it still goes there
    assert detail["hand_routing"] == {
        "institution": "EMNIYET",
        "previous_institution": "ACIKKAPI",
        "reason": "Başvuran telefonla arandı.",
        "unclear_from_text": True,
    }
    # Left out, the flag is false: the same request as with false, and the same document (the one the
    # key's fingerprint is taken of) as a request sent before the field existed, so its key replays.
    plain = number_of(5)
    await api.register(plain, topic="DIGER", text="genel bir konu hakkında")
    first = {"institution": "BELEDIYE_KARS", "reason": "Su şebekesi."}
    assert RouteByHandBody.model_validate(first).model_dump(mode="json") == first
    assert (await api.post("ofis", plain, "route-by-hand", first, key="plain")).status_code == 200
    again = await api.post("ofis", plain, "route-by-hand", {**first, "unclear_from_text": False}, key="plain")
    assert again.status_code == 200 and again.json()["replayed"] is True
    shown = (await api.get("ofis", f"/api/v1/cases/{plain}")).json()["hand_routing"]
    assert shown["unclear_from_text"] is False
    await api.register(NUMBER)  # routed by the router alone: no hand routing to show
    assert (await api.get("ofis", f"/api/v1/cases/{NUMBER}")).json()["hand_routing"] is None


async def test_another_institutions_case_is_a_404_like_an_unknown_one_and_nothing_changes(
    api: StaffApi,
) -> None:
    await api.register(NUMBER)
    before = await api.events(NUMBER)
    with capture_logs() as logs:
        refused = await api.post("ilozel", NUMBER, "acknowledge")
    unknown = await api.post("ilozel", number_of(99), "acknowledge", key="k-2")
    assert refused.status_code == unknown.status_code == 404
    assert (
        refused.json()
        == unknown.json()
        == {
            "error": {
                "code": "CASE_NOT_FOUND",
                "message": "Bu numarayla yönlendirilmiş bir başvuru bulunamadı.",
                "field": None,
            }
        }
    )
    assert await api.events(NUMBER) == before
    assert NUMBER not in repr(logs)
    # Nothing was recorded under the key: the same key works once the officer acts on its own case.
    own = number_of(3)
    await api.register(own, topic="YEREL_YONETIMLER", district="MERKEZ", text="Köy yolumuz kardan kapandı.")
    routed = await api.get("ilozel", f"/api/v1/cases/{own}")
    assert routed.status_code == 200, routed.text
    assert (await api.post("ilozel", own, "acknowledge")).status_code == 200


async def test_no_token_or_a_bad_one_is_a_401_and_a_wrong_role_a_403_logged_without_the_number(
    api: StaffApi,
) -> None:
    await api.register(NUMBER)
    before = await api.events(NUMBER)
    with capture_logs() as logs:
        missing = await api.post(None, NUMBER, "acknowledge")
        bad = await api.http.post(
            f"/api/v1/cases/{NUMBER}/acknowledge",
            headers={"Authorization": "Bearer not-a-token", "Idempotency-Key": "k-1"},
        )
        auditor = await api.post("denetci", NUMBER, "acknowledge")
        office_acknowledging = await api.post("ofis", NUMBER, "acknowledge")
        institution_approving = await api.post("belediye", NUMBER, "approve-answer", {"outcome": "RESOLVED"})
        reviewer_routing = await api.post(
            "inceleme", NUMBER, "route-by-hand", {"institution": "MEM", "reason": "x"}
        )
    assert (missing.status_code, missing.json()["error"]["code"]) == (401, "missing")
    assert (bad.status_code, bad.json()["error"]["code"]) == (401, "malformed")
    for answer in (office_acknowledging, institution_approving, reviewer_routing):
        assert (answer.status_code, answer.json()["error"]["code"]) == (403, "role_required")
    assert auditor.status_code == 403  # the auditor changes nothing, and is told so
    assert auditor.json()["error"] == {
        "code": "read_only",
        "message": "Denetçi rolü yalnızca görüntüleyebilir; değişiklik yapamaz.",
        "field": None,
    }
    assert await api.events(NUMBER) == before
    refusals = [line for line in logs if line["event"] == "staff_access_refused"]
    assert len(refusals) == 6
    assert all(line["route"].startswith("/api/v1/cases/{number}/") for line in refusals)
    assert NUMBER not in repr(logs)


async def test_a_replayed_key_gets_the_same_answer_and_records_one_event(api: StaffApi) -> None:
    await api.register(NUMBER)
    first = await api.post("belediye", NUMBER, "acknowledge", key="same")
    again = await api.post("belediye", NUMBER, "acknowledge", key="same")
    assert first.status_code == again.status_code == 200
    assert {**first.json(), "replayed": True} == again.json()
    assert [e.type for e in await api.events(NUMBER)] == ["CaseRouted", "CaseAcknowledged"]


async def test_the_same_key_for_another_body_is_a_409_and_changes_nothing(api: StaffApi) -> None:
    await api.register(NUMBER)
    await api.post("belediye", NUMBER, "acknowledge", key="ack")
    first = await api.post("belediye", NUMBER, "answer", {"answer": "Giderildi."}, key="answer")
    assert first.status_code == 200
    other = await api.post("belediye", NUMBER, "answer", {"answer": "Başka bir yanıt."}, key="answer")
    assert other.status_code == 409 and other.json()["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert [e.type for e in await api.events(NUMBER)][-1] == "CaseAnswered"
    assert len(await api.events(NUMBER)) == 3


async def test_a_key_is_the_callers_own(api: StaffApi) -> None:
    triage = number_of(2)
    await api.register(triage, topic="DIGER", text="genel bir konu hakkında")
    body = {"institution": "BELEDIYE_KARS", "reason": "Su şebekesi."}
    assert (await api.post("ofis", triage, "route-by-hand", body, key="mine")).status_code == 200
    second = await api.post("sef", triage, "route-by-hand", {**body, "institution": "MEM"}, key="mine")
    assert second.status_code == 200 and second.json()["replayed"] is False


async def test_an_illegal_transition_is_a_409_with_a_stable_code_and_appends_nothing(api: StaffApi) -> None:
    await api.register(NUMBER)
    before = await api.events(NUMBER)
    answer = await api.post("belediye", NUMBER, "answer", {"answer": "Giderildi."})
    assert answer.status_code == 409
    assert answer.json()["error"] == {
        "code": "ILLEGAL_TRANSITION",
        "message": "Başvuru «kuruma yönlendirildi» aşamasında; bu işlem şu anda yapılamaz.",
        "field": None,
    }
    assert await api.events(NUMBER) == before
    replayed = await api.post("belediye", NUMBER, "answer", {"answer": "Giderildi."})
    assert replayed.status_code == 409 and replayed.json() == answer.json()


@pytest.mark.parametrize(
    ("command", "body", "code", "field"),
    [
        ("request-transfer", {"reason": "   "}, "TEXT_REQUIRED", "reason"),
        ("request-transfer", {"reason": "x" * (MAX_TEXT + 1)}, "TEXT_TOO_LONG", "reason"),
        (
            "request-transfer",
            {"reason": "x", "suggested_institution": "YOK"},
            "UNKNOWN_INSTITUTION",
            "suggested_institution",
        ),
        ("request-transfer", {"reason": "x" * (2 * MAX_TEXT + 1)}, "INVALID_REQUEST", "reason"),
        ("request-transfer", {"reason": "x", "extra": 1}, "INVALID_REQUEST", "extra"),
        ("request-information", {}, "INVALID_REQUEST", "question"),
    ],
)
async def test_a_bad_field_is_a_422_naming_it(
    api: StaffApi, command: str, body: dict[str, object], code: str, field: str
) -> None:
    await api.register(NUMBER)
    before = await api.events(NUMBER)
    answer = await api.post("belediye", NUMBER, command, body)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["code"] == code and answer.json()["error"]["field"] == field
    assert answer.json()["error"]["message"]
    assert await api.events(NUMBER) == before


async def test_a_command_without_an_idempotency_key_is_a_400(api: StaffApi) -> None:
    await api.register(NUMBER)
    answer = await api.post("belediye", NUMBER, "acknowledge", key=None)
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "IDEMPOTENCY_KEY_REQUIRED"
    assert len(await api.events(NUMBER)) == 1
