"""intake's Application: its state and the commands on it (deciding them: application.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from intake.domain.submission import ValidSubmission


@dataclass(frozen=True)
class RegisterApplication:
    """Register a valid submission under the number issued to it."""

    application_number: str
    tracking_code: str
    submission: ValidSubmission


@dataclass(frozen=True)
class RecordStage:
    """Put a router stage event on the applicant's timeline (source_version: its case stream version)."""

    source_event_id: str
    source_version: int
    event_type: str
    occurred_at: datetime
    stage: str
    institution: str
    text: str = ""
    outcome: str | None = None
    reasons: str = ""
    request_number: int | None = None


@dataclass(frozen=True)
class RecordDeadline:
    """Note an sla-monitor event that set the office due moment, or paused the clock.

    cause_event_id: the router event it followed; institution: the one a first deadline names (it
    tells that the case was routed when the router's event has not arrived yet).
    """

    source_event_id: str
    source_version: int
    event_type: str
    occurred_at: datetime
    cause_event_id: str | None
    due_at: datetime | None
    clock_paused: bool
    institution: str | None = None


@dataclass(frozen=True)
class RecordNote:
    """Put a line on the applicant's timeline that moves no stage (timeline_notes.py): a refused
    request, an SMS delivery report. details: ids and codes only; trigger_event_id: the upstream event
    whose stage the line belongs to (the one an SMS told of), None: the stage of the moment."""

    source_event_id: str
    event_type: str
    occurred_at: datetime
    details: Mapping[str, str | int | None]
    trigger_event_id: str | None = None


@dataclass(frozen=True)
class SupplyInformation:
    """The applicant: answer the institution's open information request."""

    text: str


@dataclass(frozen=True)
class ObjectToConclusion:
    """The applicant: object to the conclusion (the router reopens the case)."""

    reason: str


@dataclass(frozen=True)
class WithdrawApplication:
    """The applicant: withdraw the open application."""

    reason: str = ""


ApplicantAction = SupplyInformation | ObjectToConclusion | WithdrawApplication
ApplicationCommand = RegisterApplication | RecordStage | RecordDeadline | RecordNote | ApplicantAction


@dataclass(frozen=True)
class DueNote:
    """What an sla-monitor event said about the office due moment."""

    due_at: datetime | None
    clock_paused: bool


@dataclass(frozen=True)
class LinePlace:
    """Where a line stands on the timeline: its position in the case's order, its stage, institution."""

    position: int
    stage: str
    institution: str | None


@dataclass(frozen=True)
class Application:
    """One application as intake knows it: the applicant's current stage and its timeline's bookkeeping.

    router_version / clock_version: the highest case stream version applied from the router and
    from the sla-monitor; seen: the upstream event ids already on the timeline; dues_by_cause: the
    due notes by the router event that caused them (a note may arrive before its stage). places:
    where each stage line and note stands, by upstream event id; causes: the router event each
    sla-monitor event followed (its line's); awaiting: the notes whose line is not on the timeline
    yet, with the upstream event id of that line.
    """

    application_number: str
    registered: bool = False
    stage: str | None = None
    institution: str | None = None
    due_at: datetime | None = None
    clock_paused: bool = False
    router_version: int = 0
    clock_version: int = 0
    seen: frozenset[str] = frozenset()
    dues_by_cause: Mapping[str, DueNote] = field(default_factory=dict)
    places: Mapping[str, LinePlace] = field(default_factory=dict)
    causes: Mapping[str, str] = field(default_factory=dict)
    awaiting: Mapping[str, str] = field(default_factory=dict)
    open_request: int = 0  # the information request awaiting an answer (while INFORMATION_REQUESTED)
    supplied_request: int = 0  # the last request the applicant answered through intake
    conclusion_version: int = 0  # the router version of the latest conclusion
    objected_to: int = 0  # the conclusion (router version) the applicant objected to
    withdrawal_requested: bool = False
