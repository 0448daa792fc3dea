"""Public events of the router service."""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from acikkapi_shared.events.base import EventPayload


class ModelChoice(BaseModel):
    """One of the classifier's most likely institutions for a petition."""

    model_config = ConfigDict(frozen=True)

    institution: str
    probability: float


class CaseRouted(EventPayload):
    TYPE = "CaseRouted"

    application_number: str
    institution: str
    institution_name: str
    rule: str
    confidence: float
    matched: list[str]
    table_version: str
    received_at: AwareDatetime
    # Added without a schema version change: optional, so events written before it read as "" and
    # readers that do not know it keep it as an extra field (EventPayload allows extras).
    model_version: str = ""
    # The decision's explanation, kept with it (added the same way; empty on events written before):
    # how it was decided (agree, rules, weak-agree, model, triage), the table's own institution and
    # confidence, the model's three most likely institutions, and the most likely one routed or not.
    decided_by: str = ""
    rule_institution: str = ""
    rule_confidence: float | None = None
    model_top: list[ModelChoice] = Field(default_factory=list)
    suggestion: str = ""


# The case's lifecycle after routing. Each event names the institution the case is with, so a reader
# (the sla-monitor's clocks, the notifier's SMS, intake's timeline) needs no state of its own to
# tell whom it concerns. Free text (a question, an answer, a note) is the institution's or the
# office's own writing, kept short by the router's validation.


class CaseRoutedByHand(EventPayload):
    """The office routed a triage case, or re-routed an open one, to this institution."""

    TYPE = "CaseRoutedByHand"

    application_number: str
    institution: str
    institution_name: str
    previous_institution: str
    reason: str
    # The office could not have routed it from the petition's words either (it had to ask): the case
    # still goes to `institution`, but `acikkapi route learn` teaches the model triage for such words,
    # not this institution. Added without a schema version change: events written before read False.
    unclear_from_text: bool = False


class CaseAcknowledged(EventPayload):
    """The institution took the case up."""

    TYPE = "CaseAcknowledged"

    application_number: str
    institution: str


class InformationRequested(EventPayload):
    """The institution asked the applicant for information; both clocks stop until it is supplied."""

    TYPE = "InformationRequested"

    application_number: str
    institution: str
    request_number: int  # 1, 2, … within the case: each request is told to the applicant on its own
    question: str


class InformationSupplied(EventPayload):
    """The applicant answered the institution's request; the clocks resume."""

    TYPE = "InformationSupplied"

    application_number: str
    institution: str
    request_number: int
    text: str


class CaseAnswered(EventPayload):
    """The institution answered; the office reviews the answer."""

    TYPE = "CaseAnswered"

    application_number: str
    institution: str
    answer: str


class AnswerReturned(EventPayload):
    """The office returned the answer to the institution for revision, with a note."""

    TYPE = "AnswerReturned"

    application_number: str
    institution: str
    note: str
    returns: int  # how many times this case's answers have been returned, this one included


class CaseConcluded(EventPayload):
    """The office approved the answer: the case is concluded with an outcome."""

    TYPE = "CaseConcluded"

    application_number: str
    institution: str
    outcome: str  # RESOLVED, REFUSED, INFORMATION_GIVEN, NOT_COMPETENT
    reasons: str
    answer: str


class TransferRequested(EventPayload):
    """The institution says the case is not its own and asks the office to transfer it."""

    TYPE = "TransferRequested"

    application_number: str
    institution: str
    suggested_institution: str | None
    reason: str


class TransferApproved(EventPayload):
    """The office transferred the case (Law 3071 Art. 5: the applicant is told)."""

    TYPE = "TransferApproved"

    application_number: str
    previous_institution: str
    institution: str
    institution_name: str


class TransferRefused(EventPayload):
    """The office kept the case with its institution."""

    TYPE = "TransferRefused"

    application_number: str
    institution: str
    reason: str


class CaseWithdrawn(EventPayload):
    """The applicant withdrew the application."""

    TYPE = "CaseWithdrawn"

    application_number: str
    institution: str
    reason: str


class CaseReopened(EventPayload):
    """The applicant objected to the conclusion: the case is open again, under the same number."""

    TYPE = "CaseReopened"

    application_number: str
    institution: str
    objection: str
    reopenings: int


class ApplicantRequestRefused(EventPayload):
    """The Case refused a request the applicant made through intake (it had moved on since intake
    accepted it: re-routed by hand while the information was on its way, say). intake shows it on the
    applicant's timeline; the request's own words are not repeated.

    request: INFORMATION, OBJECTION or WITHDRAWAL; request_event_id: intake's event that carried it;
    code and message: the Case's rejection (stable code, Turkish message).
    """

    TYPE = "ApplicantRequestRefused"

    application_number: str
    institution: str | None
    request: str
    request_event_id: str
    code: str
    message: str
