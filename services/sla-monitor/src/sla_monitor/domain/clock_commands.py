"""The commands on a case's clocks: each follows a stage of the case (router's events) or the timer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class StartClocks:
    """Start both clocks of a case routed to an institution: the office's from the receipt, the
    institution's from the routing (default: the receipt)."""

    application_number: str
    institution: str
    received_at: datetime
    routed_at: datetime | None = None


@dataclass(frozen=True)
class ChangeInstitution:
    """The case moved (a transfer, re-routing by hand): a new institution clock with a full budget."""

    institution: str
    at: datetime


@dataclass(frozen=True)
class PauseClocks:
    """Information was asked of the applicant: both clocks stop."""

    at: datetime
    request_number: int


@dataclass(frozen=True)
class ResumeClocks:
    """The applicant supplied it: both clocks run on with what was left."""

    at: datetime
    request_number: int


@dataclass(frozen=True)
class StopInstitutionClock:
    """The institution answered."""

    at: datetime


@dataclass(frozen=True)
class ResumeInstitutionClock:
    """The office returned the answer for revision."""

    at: datetime


@dataclass(frozen=True)
class CloseClocks:
    """The case was concluded (CONCLUDED) or withdrawn (WITHDRAWN)."""

    at: datetime
    reason: str


@dataclass(frozen=True)
class ReopenClocks:
    """An objection reopened the case."""

    at: datetime


@dataclass(frozen=True)
class RecomputeDeadlines:
    """The service runs with another configuration (calendar, budgets): compute the open clocks again."""

    config_version: str
    at: datetime


@dataclass(frozen=True)
class FireDueTimers:
    """The timer: fire every warning, breach and escalation due by now, each once."""

    now: datetime


ClockCommand = (
    StartClocks
    | ChangeInstitution
    | PauseClocks
    | ResumeClocks
    | StopInstitutionClock
    | ResumeInstitutionClock
    | CloseClocks
    | ReopenClocks
    | RecomputeDeadlines
    | FireDueTimers
)
