"""The commands on a Case: what the routing table, an institution, the office and the applicant ask."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Outcome(StrEnum):
    """How a concluded case ended."""

    RESOLVED = "RESOLVED"  # the request was met, the complaint remedied
    REFUSED = "REFUSED"  # not met, with reasons
    INFORMATION_GIVEN = "INFORMATION_GIVEN"  # the applicant was informed
    NOT_COMPETENT = "NOT_COMPETENT"  # no public body here is competent


@dataclass(frozen=True)
class RouteCase:
    """Assign a registered application the institution responsible for its subject (the table)."""

    application_number: str
    subject: str
    district: str
    application_type: str
    text: str
    received_at: datetime


@dataclass(frozen=True)
class RouteByHand:
    """The office: route a triage case, or re-route an open one, to this institution; unclear_from_text:
    its words alone could not have told where it goes (the office had to ask), so it teaches triage."""

    institution: str
    reason: str
    unclear_from_text: bool = False


@dataclass(frozen=True)
class AcknowledgeCase:
    """The institution: take the case up."""


@dataclass(frozen=True)
class RequestInformation:
    """The institution: ask the applicant for information (the clocks stop)."""

    question: str


@dataclass(frozen=True)
class SupplyInformation:
    """The applicant: answer the open information request."""

    text: str


@dataclass(frozen=True)
class AnswerCase:
    """The institution: answer the case, for the office to review."""

    answer: str


@dataclass(frozen=True)
class ReturnAnswer:
    """The office: return the answer to the institution for revision."""

    note: str


@dataclass(frozen=True)
class ApproveAnswer:
    """The office: approve the answer and conclude the case with an outcome."""

    outcome: Outcome
    reasons: str = ""


@dataclass(frozen=True)
class RequestTransfer:
    """The institution: the case is not ours; transfer it (optionally to the one we name)."""

    reason: str
    suggested_institution: str | None = None


@dataclass(frozen=True)
class ApproveTransfer:
    """The office: transfer the case to this institution."""

    institution: str


@dataclass(frozen=True)
class RefuseTransfer:
    """The office: the case stays with its institution."""

    reason: str


@dataclass(frozen=True)
class WithdrawCase:
    """The applicant: withdraw the application."""

    reason: str = ""


@dataclass(frozen=True)
class ObjectToConclusion:
    """The applicant: object to the conclusion; the case reopens under the same number."""

    objection: str


@dataclass(frozen=True)
class RefuseApplicantRequest:
    """Record that the Case refused the applicant's request (accepted in every stage: it changes none).

    request: INFORMATION, OBJECTION or WITHDRAWAL; code and message_tr: the rejection.
    """

    request: str
    request_event_id: str
    code: str
    message_tr: str


CaseCommand = (
    RouteCase
    | RouteByHand
    | AcknowledgeCase
    | RequestInformation
    | SupplyInformation
    | AnswerCase
    | ReturnAnswer
    | ApproveAnswer
    | RequestTransfer
    | ApproveTransfer
    | RefuseTransfer
    | WithdrawCase
    | ObjectToConclusion
    | RefuseApplicantRequest
)
