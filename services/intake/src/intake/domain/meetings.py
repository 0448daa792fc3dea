"""Halk Günü meetings: the governor's public days, recorded themselves (date, chair, place, attendee
count), with the applications received there linked to them, so that "5 meetings, 102 citizens" is
counted from the log. And which channels the desk enters applications for.

A meeting is the stream `meeting:<id>`, its id derived from its day, chair and place (meeting_fields.py):
RecordMeeting once (the same meeting again is MEETING_ALREADY_RECORDED), then LinkApplication once per
application (a second link of the same application records nothing).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from pydantic import AwareDatetime

from acikkapi_shared.decider import CommandRejected, Decider
from acikkapi_shared.events.base import EventPayload, EventTypes
from intake.domain.meeting_fields import ISTANBUL, MEETING_FIELDS, RecordMeeting, read_meeting
from intake.domain.problems import SubmissionInvalid, ValidationProblem

# The channels office staff enter applications for (the portal and the mobile app send their own).
DESK_CHANNELS = frozenset({"DESK", "PHONE", "EMAIL", "HALK_GUNU"})
MEETING_CHANNEL = "HALK_GUNU"
MEETING_NOT_FOUND_TR = "Bu numarayla kayıtlı bir Halk Günü toplantısı yok."
MEETING_ALREADY_RECORDED_TR = (
    "Bu Halk Günü toplantısı (aynı gün, aynı başkan ve aynı yer) zaten kaydedilmiş; yeniden kaydedilemez."
)

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
        raise CommandRejected("MEETING_ALREADY_RECORDED", MEETING_ALREADY_RECORDED_TR)
    fields = {name: getattr(command, name) for name in MEETING_FIELDS}
    try:
        meeting = read_meeting(fields, command.recorded_at)
    except SubmissionInvalid as invalid:
        first = invalid.problems[0]
        raise CommandRejected(first.code, first.message_tr, field=first.field) from None
    return MeetingRecorded(
        meeting_id=state.stream_id.removeprefix("meeting:"),
        held_on=meeting.held_on,
        chair=meeting.chair,
        place=meeting.place,
        attendee_count=meeting.attendee_count,
        recorded_at=meeting.recorded_at,
    )


def check_link(state: Meeting, received_at: datetime | None) -> None:
    """Raises CommandRejected unless an application received at received_at (None: not known) can be
    linked to the meeting: MEETING_NOT_FOUND (not recorded), RECEIVED_BEFORE_MEETING."""
    if not state.recorded:
        raise CommandRejected("MEETING_NOT_FOUND", MEETING_NOT_FOUND_TR, field="meeting_id")
    if (
        received_at is not None
        and state.held_on is not None
        and received_at.astimezone(ISTANBUL).date() < state.held_on
    ):
        raise CommandRejected(
            "RECEIVED_BEFORE_MEETING",
            "Halk Günü başvurusu, toplantının yapıldığı günden önce alınmış olamaz.",
            field="received_at",
        )


def _decide(command: MeetingCommand, state: Meeting) -> Sequence[EventPayload]:
    if isinstance(command, RecordMeeting):
        return [_record(command, state)]
    if command.application_number in state.linked:
        return []
    check_link(state, command.received_at)
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
