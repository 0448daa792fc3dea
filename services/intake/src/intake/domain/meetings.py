"""Halk Günü meetings: the governor's public days, recorded themselves (date, chair, place, attendee
count), with the applications received there linked to them, so that "5 meetings, 102 citizens" is
counted from the log. And which channels the desk enters applications for.

A meeting is the stream `meeting:<id>`: RecordMeeting once, then LinkApplication once per application
(a second link of the same application records nothing).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from pydantic import AwareDatetime

from acikkapi_shared.decider import CommandRejected, Decider
from acikkapi_shared.events.base import EventPayload, EventTypes
from intake.domain.problems import FieldInvalid, ValidationProblem
from intake.domain.validation import normalise_text

# The channels office staff enter applications for (the portal and the mobile app send their own).
DESK_CHANNELS = frozenset({"DESK", "PHONE", "EMAIL", "HALK_GUNU"})
MEETING_CHANNEL = "HALK_GUNU"
EARLIEST_MEETING = date(2018, 1, 1)  # the office's first year
ATTENDEES_MAX = 10_000
NAME_MAX_LEN = 200
ISTANBUL = ZoneInfo("Europe/Istanbul")

DESK_PROBLEMS_TR: dict[str, str] = {
    "CHANNEL_NOT_DESK": (
        "Masadan yalnızca yüz yüze (masa), telefon, e-posta ve Halk Günü başvuruları girilebilir."
    ),
    "MEETING_REQUIRED": "Halk Günü başvurusu için toplantı seçilmelidir.",
    "MEETING_NOT_ALLOWED": "Yalnızca Halk Günü başvuruları bir toplantıya bağlanabilir.",
}


def meeting_stream(meeting_id: str) -> str:
    """Returns the stream of a meeting."""
    return f"meeting:{meeting_id}"


def desk_problems(channel: str | None, with_meeting: bool) -> list[ValidationProblem]:
    """Returns what is wrong with the channel of an application entered at the desk, and with its
    meeting (with_meeting: one was named)."""
    if channel is None:
        return []  # the validation module already named the channel
    if channel not in DESK_CHANNELS:
        return [_problem("CHANNEL_NOT_DESK", "channel")]
    if channel == MEETING_CHANNEL and not with_meeting:
        return [_problem("MEETING_REQUIRED", "meeting_id")]
    if channel != MEETING_CHANNEL and with_meeting:
        return [_problem("MEETING_NOT_ALLOWED", "meeting_id")]
    return []


def _problem(code: str, field: str) -> ValidationProblem:
    return ValidationProblem(code=code, field=field, message_tr=DESK_PROBLEMS_TR[code])


@dataclass(frozen=True)
class RecordMeeting:
    """Record a Halk Günü meeting; recorded_at: now (a meeting cannot be held after today, Istanbul)."""

    held_on: date
    chair: str
    place: str
    attendee_count: int
    recorded_at: datetime


@dataclass(frozen=True)
class LinkApplication:
    """Link an application received at the meeting to it; received_at: its moment of receipt, which
    cannot fall before the meeting's day (Istanbul)."""

    application_number: str
    received_at: datetime | None = None


MeetingCommand = RecordMeeting | LinkApplication


class MeetingRecorded(EventPayload):
    """A Halk Günü meeting was held: its date, who chaired it, where, how many citizens attended."""

    meeting_id: str
    held_on: date
    chair: str
    place: str
    attendee_count: int
    recorded_at: AwareDatetime


class MeetingApplicationLinked(EventPayload):
    """An application received at the meeting was registered under this number."""

    meeting_id: str
    application_number: str

    def correlates_with(self) -> str | None:
        """Returns the application."""
        return self.application_number


@dataclass(frozen=True)
class Meeting:
    stream_id: str
    recorded: bool = False
    linked: frozenset[str] = frozenset()
    held_on: date | None = None


def _record(command: RecordMeeting, state: Meeting) -> MeetingRecorded:
    if state.recorded:
        raise CommandRejected("MEETING_ALREADY_RECORDED", "Bu toplantı zaten kaydedildi.")
    today = command.recorded_at.astimezone(ISTANBUL).date()
    if not EARLIEST_MEETING <= command.held_on <= today:
        raise CommandRejected(
            "HELD_ON_OUT_OF_RANGE",
            "Toplantı tarihi 2018 ile bugün arasında olmalıdır.",
            field="held_on",
        )
    if not 1 <= command.attendee_count <= ATTENDEES_MAX:
        raise CommandRejected(
            "ATTENDEES_OUT_OF_RANGE",
            f"Katılımcı sayısı 1 ile {ATTENDEES_MAX} arasında olmalıdır.",
            field="attendee_count",
        )
    return MeetingRecorded(
        meeting_id=state.stream_id.removeprefix("meeting:"),
        held_on=command.held_on,
        chair=_name(command.chair, "chair"),
        place=_name(command.place, "place"),
        attendee_count=command.attendee_count,
        recorded_at=command.recorded_at,
    )


def _name(value: str, field: str) -> str:
    try:
        return normalise_text(value, field=field, min_len=2, max_len=NAME_MAX_LEN)
    except FieldInvalid as invalid:
        raise CommandRejected(invalid.problem.code, invalid.problem.message_tr, field=field) from None


def _decide(command: MeetingCommand, state: Meeting) -> Sequence[EventPayload]:
    if isinstance(command, RecordMeeting):
        return [_record(command, state)]
    if not state.recorded:
        raise CommandRejected(
            "MEETING_NOT_FOUND", "Bu numarayla kayıtlı bir Halk Günü toplantısı yok.", field="meeting_id"
        )
    if command.application_number in state.linked:
        return []
    received = command.received_at
    if (
        received is not None
        and state.held_on is not None
        and received.astimezone(ISTANBUL).date() < state.held_on
    ):
        raise CommandRejected(
            "RECEIVED_BEFORE_MEETING",
            "Halk Günü başvurusu, toplantının yapıldığı günden önce alınmış olamaz.",
            field="received_at",
        )
    meeting_id = state.stream_id.removeprefix("meeting:")
    return [MeetingApplicationLinked(meeting_id=meeting_id, application_number=command.application_number)]


def _evolve(state: Meeting, event: EventPayload) -> Meeting:
    if isinstance(event, MeetingRecorded):
        return replace(state, recorded=True, held_on=event.held_on)
    if isinstance(event, MeetingApplicationLinked):
        return replace(state, linked=state.linked | {event.application_number})
    return state


meetings: Decider[Meeting, MeetingCommand] = Decider(
    name="meeting",
    initial=lambda stream_id: Meeting(stream_id=stream_id),
    evolve=_evolve,
    decide=_decide,
    events=EventTypes([MeetingRecorded, MeetingApplicationLinked]),
)
