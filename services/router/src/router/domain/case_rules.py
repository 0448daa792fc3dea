"""Which command a Case takes in which stage, and the rejections, each with a stable code and Turkish text.

The table below is the lifecycle; the README shows it. A command in a stage it does not list is
rejected (ILLEGAL_TRANSITION), never ignored.
"""

from __future__ import annotations

from enum import StrEnum

from acikkapi_shared.decider import CommandRejected
from router.domain.case_commands import (
    AcknowledgeCase,
    AnswerCase,
    ApproveAnswer,
    ApproveTransfer,
    ObjectToConclusion,
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

MAX_TEXT = 4000  # a question, an answer, a note or a reason: a page, not a file


class Stage(StrEnum):
    """Where a case is."""

    NEW = "NEW"  # no event yet: only the routing table may act
    TRIAGE = "TRIAGE"  # with the office, to be routed by hand
    ROUTED = "ROUTED"
    ACKNOWLEDGED = "ACKNOWLEDGED"
    INFORMATION_REQUESTED = "INFORMATION_REQUESTED"
    ANSWERED = "ANSWERED"  # under the office's review
    CONCLUDED = "CONCLUDED"
    WITHDRAWN = "WITHDRAWN"


STAGE_NAMES_TR = {
    Stage.NEW: "kayıtlı değil",
    Stage.TRIAGE: "ön inceleme",
    Stage.ROUTED: "kuruma yönlendirildi",
    Stage.ACKNOWLEDGED: "kurumda inceleniyor",
    Stage.INFORMATION_REQUESTED: "başvurandan bilgi bekleniyor",
    Stage.ANSWERED: "yanıt büro incelemesinde",
    Stage.CONCLUDED: "sonuçlandı",
    Stage.WITHDRAWN: "geri çekildi",
}

OPEN = frozenset(
    {Stage.TRIAGE, Stage.ROUTED, Stage.ACKNOWLEDGED, Stage.INFORMATION_REQUESTED, Stage.ANSWERED}
)

# command type -> the stages it is accepted in (a transfer request also needs none pending, and its
# approval or refusal one pending: see case.py)
ALLOWED: dict[type, frozenset[Stage]] = {
    RouteCase: frozenset(Stage),  # a redelivered registration changes nothing once routed
    RouteByHand: OPEN,
    AcknowledgeCase: frozenset({Stage.ROUTED}),
    RequestInformation: frozenset({Stage.ACKNOWLEDGED}),
    SupplyInformation: frozenset({Stage.INFORMATION_REQUESTED}),
    AnswerCase: frozenset({Stage.ACKNOWLEDGED}),
    ReturnAnswer: frozenset({Stage.ANSWERED}),
    ApproveAnswer: frozenset({Stage.ANSWERED}),
    RequestTransfer: frozenset({Stage.ROUTED, Stage.ACKNOWLEDGED}),
    ApproveTransfer: frozenset({Stage.ROUTED, Stage.ACKNOWLEDGED}),
    RefuseTransfer: frozenset({Stage.ROUTED, Stage.ACKNOWLEDGED}),
    WithdrawCase: OPEN,
    ObjectToConclusion: frozenset({Stage.CONCLUDED}),
    RefuseApplicantRequest: frozenset(Stage),  # tells the applicant; moves nothing
}


def illegal(stage: Stage) -> CommandRejected:
    """The command is not one this stage takes."""
    if stage is Stage.NEW:
        return CommandRejected("CASE_NOT_FOUND", "Bu numarayla yönlendirilmiş bir başvuru bulunamadı.")
    return CommandRejected(
        "ILLEGAL_TRANSITION", f"Başvuru «{STAGE_NAMES_TR[stage]}» aşamasında; bu işlem şu anda yapılamaz."
    )


def required_text(value: str, field: str, what_tr: str) -> str:
    """Returns the text stripped; rejects it when empty or longer than MAX_TEXT."""
    text = value.strip()
    if not text:
        raise CommandRejected("TEXT_REQUIRED", f"{what_tr} boş olamaz.", field=field)
    if len(text) > MAX_TEXT:
        raise CommandRejected(
            "TEXT_TOO_LONG", f"{what_tr} en fazla {MAX_TEXT} karakter olabilir.", field=field
        )
    return text


def optional_text(value: str, field: str, what_tr: str) -> str:
    """Returns the text stripped (may be empty); rejects it when longer than MAX_TEXT."""
    return required_text(value, field, what_tr) if value.strip() else ""
