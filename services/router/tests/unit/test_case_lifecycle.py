"""The Case's lifecycle after routing, given events / when a command / then events: no database.

Every command is tried in every stage: the stages the transition table lists accept it (or reject it
for a reason of its own, never ILLEGAL_TRANSITION), every other stage rejects it with
ILLEGAL_TRANSITION (CASE_NOT_FOUND before routing), with a Turkish message.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from acikkapi_shared.decider import CommandRejected, fold
from acikkapi_shared.events.base import EventPayload
from acikkapi_shared.events.router import (
    AnswerReturned,
    ApplicantRequestRefused,
    CaseAcknowledged,
    CaseAnswered,
    CaseConcluded,
    CaseReopened,
    CaseRouted,
    CaseRoutedByHand,
    CaseWithdrawn,
    InformationRequested,
    InformationSupplied,
    TransferApproved,
    TransferRefused,
    TransferRequested,
)
from acikkapi_shared.reference import TRIAGE_INSTITUTION, kars
from acikkapi_shared.testing.in_process import decide_after
from router.domain.case import Case, case_decider
from router.domain.case_commands import (
    AcknowledgeCase,
    AnswerCase,
    ApproveAnswer,
    ApproveTransfer,
    CaseCommand,
    ObjectToConclusion,
    Outcome,
    RefuseApplicantRequest,
    RefuseTransfer,
    RequestInformation,
    RequestTransfer,
    ReturnAnswer,
    RouteByHand,
    SupplyInformation,
    WithdrawCase,
)
from router.domain.case_rules import ALLOWED, MAX_TEXT, Stage
from router.domain.routing import RoutingTable

RECEIVED = datetime(2026, 5, 22, 11, 0, tzinfo=UTC)
NUMBER = "2026-000001-N"
cases = case_decider(RoutingTable.load_default(), kars())


def routed_to(institution: str) -> CaseRouted:
    return CaseRouted(
        application_number=NUMBER,
        institution=institution,
        institution_name=kars().institution(institution).name,
        rule="test",
        confidence=1.0,
        matched=[],
        table_version="t",
        received_at=RECEIVED,
    )


def run(history: Sequence[EventPayload], *commands: CaseCommand) -> list[EventPayload]:
    """Decides each command after the history and what the earlier ones decided; returns it all."""
    events = list(history)
    for command in commands:
        events += decide_after(cases, NUMBER, events, command)
    return events


def state_of(events: Sequence[EventPayload]) -> Case:
    return fold(cases, NUMBER, events)


ROUTED: list[EventPayload] = [routed_to("BELEDIYE_KARS")]
TRIAGED: list[EventPayload] = [routed_to(TRIAGE_INSTITUTION)]
ACKNOWLEDGED = run(ROUTED, AcknowledgeCase())
# One history per stage, each reached through the decider itself.
HISTORIES: dict[Stage, list[EventPayload]] = {
    Stage.NEW: [],
    Stage.TRIAGE: TRIAGED,
    Stage.ROUTED: ROUTED,
    Stage.ACKNOWLEDGED: ACKNOWLEDGED,
    Stage.INFORMATION_REQUESTED: run(ACKNOWLEDGED, RequestInformation("Sokağın adı nedir?")),
    Stage.ANSWERED: run(ACKNOWLEDGED, AnswerCase("Arıza giderildi.")),
    Stage.CONCLUDED: run(ACKNOWLEDGED, AnswerCase("Arıza giderildi."), ApproveAnswer(Outcome.RESOLVED)),
    Stage.WITHDRAWN: run(ROUTED, WithdrawCase("Sorun kendiliğinden çözüldü.")),
}
# A command of each kind that is valid on its own (a transfer's approval or refusal needs one pending).
COMMANDS: list[CaseCommand] = [
    RouteByHand("BELEDIYE_SARIKAMIS", "Konu ilçe belediyesinin."),
    AcknowledgeCase(),
    RequestInformation("Sokağın adı nedir?"),
    SupplyInformation("Atatürk Caddesi."),
    AnswerCase("Arıza giderildi."),
    ReturnAnswer("Yanıt hangi tarihte giderildiğini söylemiyor."),
    ApproveAnswer(Outcome.RESOLVED),
    RequestTransfer("Konu Sağlık Müdürlüğünün."),
    ApproveTransfer("SAGLIK"),
    RefuseTransfer("Konu belediyenin görev alanında."),
    WithdrawCase(),
    ObjectToConclusion("Arıza giderilmedi, su hâlâ kesik."),
    RefuseApplicantRequest("WITHDRAWAL", "e-1", "ILLEGAL_TRANSITION", "Bu işlem şu anda yapılamaz."),
]


def test_every_stage_history_is_where_it_says() -> None:
    assert {stage: state_of(history).stage for stage, history in HISTORIES.items()} == {
        stage: stage for stage in HISTORIES
    }


@pytest.mark.parametrize("command", COMMANDS, ids=lambda command: type(command).__name__)
@pytest.mark.parametrize("stage", list(Stage), ids=str)
def test_each_command_is_taken_only_in_the_stages_of_the_table(stage: Stage, command: CaseCommand) -> None:
    history = HISTORIES[stage]
    if isinstance(command, ApproveTransfer | RefuseTransfer) and stage in ALLOWED[type(command)]:
        history = run(history, RequestTransfer("Konu Sağlık Müdürlüğünün."))
    if stage in ALLOWED[type(command)]:
        try:
            assert decide_after(cases, NUMBER, history, command)
        except CommandRejected as own:  # a rule of its own, never the table's
            assert own.code != "ILLEGAL_TRANSITION", own.message_tr
        return
    with pytest.raises(CommandRejected) as rejected:
        decide_after(cases, NUMBER, history, command)
    assert rejected.value.code == ("CASE_NOT_FOUND" if stage is Stage.NEW else "ILLEGAL_TRANSITION")
    assert rejected.value.message_tr.endswith(".") and rejected.value.message_tr[0].isupper()


def test_the_whole_path_with_information_a_return_and_an_objection() -> None:
    events = run(
        ROUTED,
        AcknowledgeCase(),
        RequestInformation("Sokağın adı nedir?"),
        SupplyInformation("Atatürk Caddesi."),
        RequestInformation("Kapı numarası nedir?"),
        SupplyInformation("12."),
        AnswerCase("Ekip gönderildi."),
        ReturnAnswer("Arızanın giderilip giderilmediğini yazınız."),
        AnswerCase("Arıza 23 Mayıs'ta giderildi."),
        ApproveAnswer(Outcome.RESOLVED),
        ObjectToConclusion("Su hâlâ kesik."),
    )
    assert [type(event) for event in events] == [
        CaseRouted,
        CaseAcknowledged,
        InformationRequested,
        InformationSupplied,
        InformationRequested,
        InformationSupplied,
        CaseAnswered,
        AnswerReturned,
        CaseAnswered,
        CaseConcluded,
        CaseReopened,
    ]
    asked = [event for event in events if isinstance(event, InformationRequested)]
    assert [event.request_number for event in asked] == [1, 2]  # each request told on its own
    (concluded,) = [event for event in events if isinstance(event, CaseConcluded)]
    assert concluded.answer == "Arıza 23 Mayıs'ta giderildi." and concluded.outcome == "RESOLVED"
    state = state_of(events)
    assert state.stage is Stage.ROUTED and state.institution == "BELEDIYE_KARS"
    assert state.reopenings == 1 and state.returns == 1 and state.answer == ""


def test_a_transfer_asked_and_approved_moves_the_case_to_the_new_institution() -> None:
    events = run(
        ACKNOWLEDGED,
        RequestTransfer("Konu Sağlık Müdürlüğünün.", "SAGLIK"),
        ApproveTransfer("SAGLIK"),
    )
    requested, approved = events[-2:]
    assert isinstance(requested, TransferRequested) and requested.suggested_institution == "SAGLIK"
    assert isinstance(approved, TransferApproved)
    assert approved.previous_institution == "BELEDIYE_KARS" and approved.institution == "SAGLIK"
    assert approved.institution_name == kars().institution("SAGLIK").name
    state = state_of(events)
    assert (state.stage, state.institution, state.transfer_pending) == (
        Stage.ROUTED,
        "SAGLIK",
        False,
    )


def test_a_refused_transfer_leaves_the_case_where_it_was() -> None:
    events = run(ACKNOWLEDGED, RequestTransfer("Bizim değil."), RefuseTransfer("Konu belediyenin."))
    assert isinstance(events[-1], TransferRefused)
    state = state_of(events)
    assert (state.stage, state.institution, state.transfer_pending) == (
        Stage.ACKNOWLEDGED,
        "BELEDIYE_KARS",
        False,
    )


@pytest.mark.parametrize(
    ("history", "command", "code"),
    [
        (ACKNOWLEDGED, ApproveTransfer("SAGLIK"), "NO_TRANSFER_PENDING"),
        (ACKNOWLEDGED, RefuseTransfer("Hayır."), "NO_TRANSFER_PENDING"),
        (run(ACKNOWLEDGED, RequestTransfer("Bizim değil.")), RequestTransfer("Yine."), "TRANSFER_PENDING"),
        (run(ACKNOWLEDGED, RequestTransfer("Bizim değil.")), AnswerCase("Yanıt."), "TRANSFER_PENDING"),
        (run(ACKNOWLEDGED, RequestTransfer("Bizim değil.")), RequestInformation("Soru?"), "TRANSFER_PENDING"),
        (ACKNOWLEDGED, RequestTransfer("Bizim değil.", "BELEDIYE_KARS"), "SAME_INSTITUTION"),
        (ACKNOWLEDGED, RequestTransfer("Bizim değil.", "YOK_BOYLE"), "UNKNOWN_INSTITUTION"),
        (ACKNOWLEDGED, RouteByHand("BELEDIYE_KARS", "Aynı."), "SAME_INSTITUTION"),
        (ACKNOWLEDGED, RouteByHand(TRIAGE_INSTITUTION, "Geri."), "TRIAGE_NOT_A_TARGET"),
        (ACKNOWLEDGED, RouteByHand("SAGLIK", "  "), "TEXT_REQUIRED"),
        (ACKNOWLEDGED, AnswerCase("x" * (MAX_TEXT + 1)), "TEXT_TOO_LONG"),
        (HISTORIES[Stage.ANSWERED], ApproveAnswer(Outcome.REFUSED), "REASONS_REQUIRED"),
        (HISTORIES[Stage.CONCLUDED], ObjectToConclusion(""), "TEXT_REQUIRED"),
    ],
)
def test_rules_of_their_own_are_rejected_with_a_stable_code(
    history: list[EventPayload], command: CaseCommand, code: str
) -> None:
    with pytest.raises(CommandRejected) as rejected:
        decide_after(cases, NUMBER, history, command)
    assert rejected.value.code == code and rejected.value.message_tr


def test_the_office_routes_a_triage_case_by_hand_and_may_re_route_any_open_one() -> None:
    events = run(
        HISTORIES[Stage.TRIAGE],
        RouteByHand("BELEDIYE_KARS", "Su kesintisi belediyenin."),
        AcknowledgeCase(),
        RequestTransfer("Bizim değil."),
        RouteByHand("SAGLIK", "Büro yeniden yönlendirdi."),
    )
    first, second = [event for event in events if isinstance(event, CaseRoutedByHand)]
    assert first.previous_institution == TRIAGE_INSTITUTION and second.previous_institution == "BELEDIYE_KARS"
    state = state_of(events)
    assert (state.stage, state.institution, state.transfer_pending) == (
        Stage.ROUTED,
        "SAGLIK",
        False,
    )


def test_the_office_may_say_a_petition_was_unclear_from_its_text_and_the_case_still_goes_there() -> None:
    events = run(
        HISTORIES[Stage.TRIAGE], RouteByHand("EMNIYET", "Başvuranla görüşüldü.", unclear_from_text=True)
    )
    (routed,) = [event for event in events if isinstance(event, CaseRoutedByHand)]
    assert (routed.institution, routed.unclear_from_text) == ("EMNIYET", True)
    assert (state_of(events).stage, state_of(events).institution) == (Stage.ROUTED, "EMNIYET")
    plain = run(HISTORIES[Stage.TRIAGE], RouteByHand("EMNIYET", "Konu emniyetin."))[-1]
    assert isinstance(plain, CaseRoutedByHand) and plain.unclear_from_text is False


def test_a_hand_routing_keeps_its_unclear_flag_in_the_log_and_one_written_before_it_reads_false() -> None:
    routed = CaseRoutedByHand(
        application_number=NUMBER,
        institution="EMNIYET",
        institution_name="Kars İl Emniyet Müdürlüğü",
        previous_institution=TRIAGE_INSTITUTION,
        reason="Başvuranla görüşüldü.",
        unclear_from_text=True,
    )
    stored = routed.to_payload()
    assert stored["unclear_from_text"] is True
    assert cases.events.decode(CaseRoutedByHand.TYPE, 1, stored) == routed
    older = {name: value for name, value in stored.items() if name != "unclear_from_text"}
    read = cases.events.decode(CaseRoutedByHand.TYPE, 1, older)
    assert isinstance(read, CaseRoutedByHand) and read.unclear_from_text is False
    assert state_of([*TRIAGED, read]).institution == "EMNIYET"


def test_a_refusal_is_concluded_with_its_reasons_and_a_withdrawal_closes_the_case() -> None:
    refused = run(HISTORIES[Stage.ANSWERED], ApproveAnswer(Outcome.REFUSED, "  Kamulaştırma yapılamaz. "))
    concluded = refused[-1]
    assert isinstance(concluded, CaseConcluded)
    assert (concluded.outcome, concluded.reasons) == ("REFUSED", "Kamulaştırma yapılamaz.")
    withdrawn = run(HISTORIES[Stage.INFORMATION_REQUESTED], WithdrawCase())
    assert isinstance(withdrawn[-1], CaseWithdrawn) and state_of(withdrawn).stage is Stage.WITHDRAWN


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(COMMANDS), max_size=25))
def test_any_sequence_of_commands_keeps_the_case_consistent(commands: list[CaseCommand]) -> None:
    events: list[EventPayload] = list(ROUTED)
    for command in commands:
        before = state_of(events)
        try:
            decided = decide_after(cases, NUMBER, events, command)
        except CommandRejected as rejected:
            assert rejected.code != "ILLEGAL_TRANSITION" or before.stage not in ALLOWED[type(command)]
            continue
        assert before.stage in ALLOWED[type(command)]
        events += decided
        after = state_of(events)
        assert after.institution is not None and after.institution in kars().institutions
        assert after.reopenings >= before.reopenings and after.returns >= before.returns
    assert state_of(events) == fold(cases, NUMBER, list(events))  # folding is deterministic


@pytest.mark.parametrize("stage", list(Stage), ids=str)
def test_a_refused_applicant_request_is_recorded_in_every_stage_and_moves_nothing(stage: Stage) -> None:
    history = HISTORIES[stage]
    refusal = RefuseApplicantRequest("INFORMATION", "e-9", "ILLEGAL_TRANSITION", "Şu anda yapılamaz.")
    (recorded,) = decide_after(cases, NUMBER, history, refusal)
    assert isinstance(recorded, ApplicantRequestRefused)
    assert (recorded.request, recorded.request_event_id, recorded.code, recorded.message) == (
        "INFORMATION",
        "e-9",
        "ILLEGAL_TRANSITION",
        "Şu anda yapılamaz.",
    )
    assert recorded.institution == state_of(history).institution
    assert state_of([*history, recorded]) == state_of(history)
