"""The staff commands' request bodies, who may send each, and the Case command each one means.

Texts are bounded at twice the domain's MAX_TEXT: a request is never unbounded, and one a little over
the limit gets the domain's own Turkish rejection (TEXT_TOO_LONG, 422) rather than a generic one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from acikkapi_shared.staff.identity import Role
from router.domain.case_commands import (
    AcknowledgeCase,
    AnswerCase,
    ApproveAnswer,
    ApproveTransfer,
    CaseCommand,
    Outcome,
    RefuseTransfer,
    RequestInformation,
    RequestTransfer,
    ReturnAnswer,
    RouteByHand,
)
from router.domain.case_rules import MAX_TEXT

Text = Annotated[str, Field(max_length=2 * MAX_TEXT)]
InstitutionCode = Annotated[str, Field(min_length=1, max_length=60, examples=["BELEDIYE_KARS"])]

INSTITUTION = (Role.INSTITUTION_OFFICER,)
ROUTING = (Role.OFFICE_OFFICER, Role.SUPERVISOR)
REVIEW = (Role.OFFICE_REVIEWER, Role.SUPERVISOR)


class Body(BaseModel):
    """A command's body: unknown fields are refused, not ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class AcknowledgeBody(Body):
    """Take the case up (no fields; the body may be left out)."""


class RequestInformationBody(Body):
    """The question to the applicant."""

    question: Text


class AnswerBody(Body):
    """The institution's answer, for the office to review."""

    answer: Text


class ReturnAnswerBody(Body):
    """Why the answer goes back to the institution."""

    note: Text


class ApproveAnswerBody(Body):
    """The outcome the case concludes with; reasons are required for REFUSED."""

    outcome: Outcome
    reasons: Text = ""


class RequestTransferBody(Body):
    """Why the case is not the institution's, and optionally whose it is."""

    reason: Text
    suggested_institution: InstitutionCode | None = None


class ApproveTransferBody(Body):
    """The institution the case is transferred to."""

    institution: InstitutionCode


class RefuseTransferBody(Body):
    """Why the case stays."""

    reason: Text


class RouteByHandBody(Body):
    """The institution the case goes to, and why; unclear_from_text when its words could not tell."""

    institution: InstitutionCode
    reason: Text
    # Strict: only JSON true or false, never "yes" or 1. Left out of the body's dump when false, so a
    # request sent without it before the field existed keeps its fingerprint (its key still replays).
    unclear_from_text: StrictBool = Field(
        default=False,
        exclude_if=lambda value: value is False,
        description=(
            "true: the office could not have routed this from the petition's words either (it had to "
            "ask the applicant). The case still goes to `institution`; `acikkapi route learn` makes it "
            "an example of a petition for triage, not for this institution."
        ),
    )


@dataclass(frozen=True)
class CommandSpec:
    """One command endpoint: its path segment, body, roles and Case command."""

    name: str
    summary: str
    body: type[Body]
    roles: tuple[Role, ...]
    command: Callable[[dict[str, Any]], CaseCommand]


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec(
        "acknowledge", "Take the case up", AcknowledgeBody, INSTITUTION, lambda _b: AcknowledgeCase()
    ),
    CommandSpec(
        "request-information",
        "Ask the applicant for information (the clocks stop)",
        RequestInformationBody,
        INSTITUTION,
        lambda b: RequestInformation(question=b["question"]),
    ),
    CommandSpec(
        "answer", "Answer the case", AnswerBody, INSTITUTION, lambda b: AnswerCase(answer=b["answer"])
    ),
    CommandSpec(
        "request-transfer",
        "Ask the office to transfer the case",
        RequestTransferBody,
        INSTITUTION,
        lambda b: RequestTransfer(reason=b["reason"], suggested_institution=b["suggested_institution"]),
    ),
    CommandSpec(
        "return-answer",
        "Return the answer to the institution",
        ReturnAnswerBody,
        REVIEW,
        lambda b: ReturnAnswer(note=b["note"]),
    ),
    CommandSpec(
        "approve-answer",
        "Approve the answer and conclude the case",
        ApproveAnswerBody,
        REVIEW,
        lambda b: ApproveAnswer(outcome=Outcome(b["outcome"]), reasons=b["reasons"]),
    ),
    CommandSpec(
        "approve-transfer",
        "Transfer the case to another institution",
        ApproveTransferBody,
        ROUTING,
        lambda b: ApproveTransfer(institution=b["institution"]),
    ),
    CommandSpec(
        "refuse-transfer",
        "Keep the case with its institution",
        RefuseTransferBody,
        ROUTING,
        lambda b: RefuseTransfer(reason=b["reason"]),
    ),
    CommandSpec(
        "route-by-hand",
        "Route a triage case, or re-route an open one",
        RouteByHandBody,
        ROUTING,
        lambda b: RouteByHand(
            institution=b["institution"],
            reason=b["reason"],
            unclear_from_text=b.get("unclear_from_text", False),
        ),
    ),
)
