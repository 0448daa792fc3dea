"""The router's Case: which institution an application is with and where it stands, from routing to
conclusion (the stages and what moves them: case_rules.py; the commands: case_commands.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from acikkapi_shared.decider import CommandRejected, Decider
from acikkapi_shared.events.base import EventPayload, EventTypes
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
    ModelChoice,
    TransferApproved,
    TransferRefused,
    TransferRequested,
)
from acikkapi_shared.reference import TRIAGE_INSTITUTION, ReferenceData
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
    RouteCase,
    SupplyInformation,
    WithdrawCase,
)
from router.domain.case_rules import ALLOWED, Stage, illegal, optional_text, required_text
from router.domain.routing import Routes, RoutingRequest

# Every event a case's stream holds.
CASE_EVENTS: tuple[type[EventPayload], ...] = (
    CaseRouted,
    CaseRoutedByHand,
    CaseAcknowledged,
    InformationRequested,
    InformationSupplied,
    CaseAnswered,
    AnswerReturned,
    CaseConcluded,
    TransferRequested,
    TransferApproved,
    TransferRefused,
    CaseWithdrawn,
    CaseReopened,
    ApplicantRequestRefused,
)


@dataclass(frozen=True)
class Case:
    """Where one application stands in the router."""

    application_number: str
    stage: Stage = Stage.NEW
    institution: str | None = None
    transfer_pending: bool = False
    information_requests: int = 0
    returns: int = 0
    reopenings: int = 0
    answer: str = ""


def _evolve(state: Case, event: EventPayload) -> Case:
    if isinstance(event, CaseRouted):
        stage = Stage.TRIAGE if event.institution == TRIAGE_INSTITUTION else Stage.ROUTED
        return replace(state, stage=stage, institution=event.institution)
    if isinstance(event, CaseRoutedByHand | TransferApproved):
        return replace(state, stage=Stage.ROUTED, institution=event.institution, transfer_pending=False)
    if isinstance(event, CaseAcknowledged | InformationSupplied):
        return replace(state, stage=Stage.ACKNOWLEDGED)
    if isinstance(event, InformationRequested):
        return replace(state, stage=Stage.INFORMATION_REQUESTED, information_requests=event.request_number)
    if isinstance(event, CaseAnswered):
        return replace(state, stage=Stage.ANSWERED, answer=event.answer)
    if isinstance(event, AnswerReturned):
        return replace(state, stage=Stage.ACKNOWLEDGED, returns=event.returns)
    if isinstance(event, CaseConcluded):
        return replace(state, stage=Stage.CONCLUDED)
    if isinstance(event, TransferRequested):
        return replace(state, transfer_pending=True)
    if isinstance(event, TransferRefused):
        return replace(state, transfer_pending=False)
    if isinstance(event, CaseWithdrawn):
        return replace(state, stage=Stage.WITHDRAWN, transfer_pending=False)
    if isinstance(event, CaseReopened):
        return replace(state, stage=Stage.ROUTED, reopenings=event.reopenings, answer="")
    return state


def case_decider(table: Routes, reference: ReferenceData) -> Decider[Case, CaseCommand]:
    """Returns the Case decider routing with this table and these institutions."""

    def route(command: RouteCase, state: Case) -> Sequence[EventPayload]:
        if state.stage is not Stage.NEW:
            return []  # routed already: a redelivered registration changes nothing
        decision = table.route(
            RoutingRequest(
                topic=command.subject,
                district=command.district,
                type=command.application_type,
                text=command.text,
            )
        )
        return [
            CaseRouted(
                application_number=command.application_number,
                institution=decision.institution,
                institution_name=reference.institution(decision.institution).name,
                rule=decision.rule,
                confidence=decision.confidence,
                matched=list(decision.matched),
                table_version=decision.table_version,
                model_version=decision.model_version,
                received_at=command.received_at,
                decided_by=decision.decided_by,
                rule_institution=decision.rule_institution,
                rule_confidence=decision.rule_confidence,
                model_top=[
                    ModelChoice(institution=code, probability=probability)
                    for code, probability in decision.model_top
                ],
                suggestion=decision.suggestion,
            )
        ]

    def target(code: str, state: Case, field: str) -> str:
        """Returns the institution a case may be moved to, or rejects it."""
        if code not in reference.institutions:
            raise CommandRejected("UNKNOWN_INSTITUTION", "Bilinmeyen kurum kodu.", field=field)
        if code == TRIAGE_INSTITUTION:
            raise CommandRejected(
                "TRIAGE_NOT_A_TARGET", "Başvuru yalnızca bir kuruma yönlendirilebilir.", field=field
            )
        if code == state.institution:
            raise CommandRejected("SAME_INSTITUTION", "Başvuru zaten bu kurumda.", field=field)
        return code

    def decide(command: CaseCommand, state: Case) -> Sequence[EventPayload]:
        if isinstance(command, RouteCase):
            return route(command, state)
        if isinstance(command, RefuseApplicantRequest):
            return [_refusal(command, state)]
        if state.stage not in ALLOWED[type(command)]:
            raise illegal(state.stage)
        number, institution = state.application_number, str(state.institution)
        return _DECISIONS[type(command)](command, state, number, institution)

    def by_hand(command: RouteByHand, state: Case, number: str, institution: str) -> list[EventPayload]:
        code = target(command.institution, state, "institution")
        return [
            CaseRoutedByHand(
                application_number=number,
                institution=code,
                institution_name=reference.institution(code).name,
                previous_institution=institution,
                reason=required_text(command.reason, "reason", "Gerekçe"),
                unclear_from_text=command.unclear_from_text,
            )
        ]

    def ask_transfer(
        command: RequestTransfer, state: Case, number: str, institution: str
    ) -> list[EventPayload]:
        if state.transfer_pending:
            raise CommandRejected("TRANSFER_PENDING", "Bu başvuru için bekleyen bir devir talebi var.")
        suggested = command.suggested_institution
        if suggested is not None:
            target(suggested, state, "suggested_institution")
        reason = required_text(command.reason, "reason", "Gerekçe")
        return [
            TransferRequested(
                application_number=number,
                institution=institution,
                suggested_institution=suggested,
                reason=reason,
            )
        ]

    def approve_transfer(
        command: ApproveTransfer, state: Case, number: str, institution: str
    ) -> list[EventPayload]:
        _pending(state)
        code = target(command.institution, state, "institution")
        return [
            TransferApproved(
                application_number=number,
                previous_institution=institution,
                institution=code,
                institution_name=reference.institution(code).name,
            )
        ]

    def refuse_transfer(
        command: RefuseTransfer, state: Case, number: str, institution: str
    ) -> list[EventPayload]:
        _pending(state)
        reason = required_text(command.reason, "reason", "Gerekçe")
        return [TransferRefused(application_number=number, institution=institution, reason=reason)]

    _DECISIONS: dict[type, Callable[..., list[EventPayload]]] = {
        RouteByHand: by_hand,
        AcknowledgeCase: _acknowledge,
        RequestInformation: _request_information,
        SupplyInformation: _supply_information,
        AnswerCase: _answer,
        ReturnAnswer: _return_answer,
        ApproveAnswer: _approve,
        RequestTransfer: ask_transfer,
        ApproveTransfer: approve_transfer,
        RefuseTransfer: refuse_transfer,
        WithdrawCase: _withdraw,
        ObjectToConclusion: _object,
    }

    return Decider(
        name="case",
        initial=lambda number: Case(application_number=number),
        evolve=_evolve,
        decide=decide,
        events=EventTypes(CASE_EVENTS),
    )


def _pending(state: Case) -> None:
    if not state.transfer_pending:
        raise CommandRejected("NO_TRANSFER_PENDING", "Bu başvuru için bekleyen bir devir talebi yok.")


def _not_while_transfer_pending(state: Case) -> None:
    if state.transfer_pending:
        raise CommandRejected(
            "TRANSFER_PENDING", "Devir talebi sonuçlanmadan bu işlem yapılamaz; önce büro karar vermeli."
        )


def _acknowledge(_command: AcknowledgeCase, state: Case, number: str, institution: str) -> list[EventPayload]:
    return [CaseAcknowledged(application_number=number, institution=institution)]


def _request_information(
    command: RequestInformation, state: Case, number: str, institution: str
) -> list[EventPayload]:
    _not_while_transfer_pending(state)
    question = required_text(command.question, "question", "Soru")
    return [
        InformationRequested(
            application_number=number,
            institution=institution,
            request_number=state.information_requests + 1,
            question=question,
        )
    ]


def _supply_information(
    command: SupplyInformation, state: Case, number: str, institution: str
) -> list[EventPayload]:
    text = required_text(command.text, "text", "Bilgi")
    return [
        InformationSupplied(
            application_number=number,
            institution=institution,
            request_number=state.information_requests,
            text=text,
        )
    ]


def _answer(command: AnswerCase, state: Case, number: str, institution: str) -> list[EventPayload]:
    _not_while_transfer_pending(state)
    answer = required_text(command.answer, "answer", "Yanıt")
    return [CaseAnswered(application_number=number, institution=institution, answer=answer)]


def _return_answer(command: ReturnAnswer, state: Case, number: str, institution: str) -> list[EventPayload]:
    note = required_text(command.note, "note", "İade notu")
    return [
        AnswerReturned(
            application_number=number, institution=institution, note=note, returns=state.returns + 1
        )
    ]


def _approve(command: ApproveAnswer, state: Case, number: str, institution: str) -> list[EventPayload]:
    reasons = optional_text(command.reasons, "reasons", "Gerekçe")
    if command.outcome is Outcome.REFUSED and not reasons:
        raise CommandRejected(
            "REASONS_REQUIRED", "Olumsuz sonuçlanan başvurunun gerekçesi yazılmalıdır.", field="reasons"
        )
    return [
        CaseConcluded(
            application_number=number,
            institution=institution,
            outcome=command.outcome.value,
            reasons=reasons,
            answer=state.answer,
        )
    ]


def _withdraw(command: WithdrawCase, state: Case, number: str, institution: str) -> list[EventPayload]:
    reason = optional_text(command.reason, "reason", "Gerekçe")
    return [CaseWithdrawn(application_number=number, institution=institution, reason=reason)]


def _object(command: ObjectToConclusion, state: Case, number: str, institution: str) -> list[EventPayload]:
    objection = required_text(command.objection, "objection", "İtiraz")
    return [
        CaseReopened(
            application_number=number,
            institution=institution,
            objection=objection,
            reopenings=state.reopenings + 1,
        )
    ]


def _refusal(command: RefuseApplicantRequest, state: Case) -> ApplicantRequestRefused:
    return ApplicantRequestRefused(
        application_number=state.application_number,
        institution=state.institution,
        request=command.request,
        request_event_id=command.request_event_id,
        code=command.code,
        message=command.message_tr,
    )
