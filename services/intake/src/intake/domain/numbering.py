"""The numbering stream of a year: its events are the numbers issued, in order, one per submission.

Every registration of the year appends to it, so the command path takes the log's append lock before
reading it (`exclusive`): two intake instances queue for a number instead of conflicting over it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from acikkapi_shared.application_numbers import (
    SEQUENCE_MAX,
    format_application_number,
    parse_application_number,
)
from acikkapi_shared.decider import CommandRejected, Decider
from acikkapi_shared.events.base import EventPayload, EventTypes
from intake.domain.events import ApplicationNumberIssued

ISTANBUL = ZoneInfo("Europe/Istanbul")


@dataclass(frozen=True)
class IssueNumber:
    """Give the submission the next application number of the year it was received in."""

    year: int
    submission_id: str


@dataclass(frozen=True)
class Numbering:
    stream_id: str
    issued: int = 0


def numbering_year(received_at: datetime) -> int:
    """Returns the year an application number belongs to (the Istanbul year of receipt)."""
    return received_at.astimezone(ISTANBUL).year


def numbering_stream(year: int) -> str:
    """Returns the stream whose events are the numbers issued in a year."""
    return f"application-numbers-{year}"


def _decide(command: IssueNumber, state: Numbering) -> Sequence[EventPayload]:
    sequence = state.issued + 1
    if sequence > SEQUENCE_MAX:
        raise CommandRejected("APPLICATION_NUMBERS_EXHAUSTED", "Bu yıl için başvuru numarası kalmadı.")
    number = format_application_number(command.year, sequence)
    return [ApplicationNumberIssued(application_number=number, submission_id=command.submission_id)]


def _evolve(state: Numbering, event: EventPayload) -> Numbering:
    if isinstance(event, ApplicationNumberIssued):
        # The number itself says how many were issued before it: the last one is the whole state.
        return replace(state, issued=parse_application_number(event.application_number).sequence)
    return state


numbering: Decider[Numbering, IssueNumber] = Decider(
    name="numbering",
    initial=lambda stream_id: Numbering(stream_id=stream_id),
    evolve=_evolve,
    decide=_decide,
    events=EventTypes([ApplicationNumberIssued]),
    exclusive=True,
    state_in_last_event=True,
)
