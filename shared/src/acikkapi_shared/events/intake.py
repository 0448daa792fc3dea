"""Public events of the intake service."""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, Field

from acikkapi_shared.events.base import EventPayload


class Applicant(BaseModel):
    """Personal data of the applicant (kept together so it can be encrypted as one field later)."""

    name: str
    phone: str
    tckn: str | None = None
    # The applicant asked that their identity be hidden (e.g. a whistle-blower), or asked for no SMS:
    # the notifier sends them none. Absent in earlier events: False.
    identity_hidden: bool = False
    sms_refused: bool = False


class Problem(BaseModel):
    """One reason a submission was not accepted, with the citizen-facing Turkish message."""

    code: str
    field: str
    message_tr: str


class Location(BaseModel):
    """A point (WGS 84 degrees) the application is about, inside the province."""

    lat: float
    long: float


class ApplicationRegistered(EventPayload):
    TYPE = "ApplicationRegistered"

    application_number: str
    tracking_code: str
    submission_id: str
    channel: str
    received_at: AwareDatetime
    topic: str
    type: str
    district: str
    text: str
    applicant: Applicant
    # Optional, added with Open311 (absent before: none): where it is, and http(s) links to what it shows.
    address: str | None = None
    location: Location | None = None
    attachments: list[str] = Field(default_factory=list)


class SubmissionRejected(EventPayload):
    TYPE = "SubmissionRejected"

    submission_id: str | None
    received_at: AwareDatetime
    problems: list[Problem]
    source: str
    # The applicant's mobile number (E.164), so the notifier can tell them why by SMS: only when the
    # submission carried a valid one and neither hid the identity nor refused SMS. Absent before: None.
    phone: str | None = None


# The applicant's requests, made through intake with the application number and tracking code. Each
# is accepted by intake only when its own view of the stage allows it; the router decides it again
# on the Case (its SupplyInformation, ObjectToConclusion, WithdrawCase). The text is the applicant's
# own, NFC-normalised, without control characters, at most 4,000 characters.


class ApplicantSuppliedInformation(EventPayload):
    """The applicant answered the institution's information request (request_number)."""

    TYPE = "ApplicantSuppliedInformation"

    application_number: str
    request_number: int
    text: str


class ApplicantObjected(EventPayload):
    """The applicant objected to the conclusion and asks for the case to be reopened."""

    TYPE = "ApplicantObjected"

    application_number: str
    reason: str


class ApplicantWithdrew(EventPayload):
    """The applicant withdrew the application (the reason may be empty)."""

    TYPE = "ApplicantWithdrew"

    application_number: str
    reason: str = ""
