"""A Halk Günü meeting as the desk records it: its fields read and checked all at once (every field at
fault named, an unknown one too), and its id, which is the meeting's day, chair and place.

The id is derived from what makes a meeting that meeting, so recording the same meeting again, under
any Idempotency-Key and by anyone, lands on the same stream `meeting:<id>`, whose decider refuses a
second MeetingRecorded (MEETING_ALREADY_RECORDED); the log's (stream, version) index makes that hold
for two writers at once.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from acikkapi_shared.turkish import search_key
from intake.domain.problems import (
    FieldInvalid,
    SubmissionInvalid,
    ValidationProblem,
    problem,
    unknown_fields,
)
from intake.domain.validation import normalise_text

MEETING_FIELDS = ("held_on", "chair", "place", "attendee_count")
EARLIEST_MEETING = date(2018, 1, 1)  # the office's first year
ATTENDEES_MAX = 10_000
NAME_MAX_LEN = 200
ISTANBUL = ZoneInfo("Europe/Istanbul")
_IDS = uuid.UUID("3b8e1f52-7c4d-4a09-b6e2-91d05a7c3f18")  # namespace of meeting ids
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

MEETING_PROBLEMS_TR: dict[str, str] = {
    "HELD_ON_INVALID": ("Toplantı tarihi okunamadı: YYYY-AA-GG biçiminde yazılmalıdır (örneğin 2026-05-20)."),
    "HELD_ON_OUT_OF_RANGE": "Toplantı tarihi 2018 ile bugün arasında olmalıdır.",
    "ATTENDEES_NOT_INTEGER": "Katılımcı sayısı tam sayı olarak yazılmalıdır (örneğin 21).",
    "ATTENDEES_OUT_OF_RANGE": f"Katılımcı sayısı 1 ile {ATTENDEES_MAX} arasında olmalıdır.",
    "NAME_WITHOUT_LETTERS": "Bu alan en az bir harf ya da rakam içermelidir.",
}


@dataclass(frozen=True)
class RecordMeeting:
    """Record a Halk Günü meeting; recorded_at: now (a meeting cannot be held after today, Istanbul)."""

    held_on: date
    chair: str
    place: str
    attendee_count: int
    recorded_at: datetime


def read_meeting(raw: Mapping[str, Any], recorded_at: datetime) -> RecordMeeting:
    """Returns the meeting to record, its chair and place normalised; raises SubmissionInvalid naming
    every field at fault (absent or null: FIELD_MISSING; a key that is not a field: FIELD_UNKNOWN)."""
    problems: list[ValidationProblem] = []
    today = recorded_at.astimezone(ISTANBUL).date()
    held_on = _checked(problems, lambda: _held_on(raw.get("held_on"), today))
    chair = _checked(problems, lambda: _name(raw.get("chair"), "chair"))
    place = _checked(problems, lambda: _name(raw.get("place"), "place"))
    attendees = _checked(problems, lambda: _attendees(raw.get("attendee_count")))
    problems.extend(unknown_fields(raw, MEETING_FIELDS))
    if problems:
        raise SubmissionInvalid(tuple(problems))
    assert isinstance(held_on, date) and isinstance(chair, str) and isinstance(place, str)
    assert isinstance(attendees, int)
    return RecordMeeting(held_on, chair, place, attendees, recorded_at)


def meeting_id_of(meeting: RecordMeeting) -> str:
    """Returns the id of the meeting held on its day, chaired by its chair at its place (case, accents,
    blanks and punctuation aside): the same meeting always gets the same id."""
    names = (identity_key(name) for name in (meeting.chair, meeting.place))
    return str(uuid.uuid5(_IDS, "\n".join((meeting.held_on.isoformat(), *names))))


def identity_key(name: str) -> str:
    """Returns what of a chair's or place's name tells one meeting from another: its letters and digits
    in Turkish lower case without accents, any run of other characters (blanks, punctuation, symbols)
    one space between words ("Vali Ahmet Yılmaz." and "VALİ AHMET YILMAZ" are "vali ahmet yilmaz").
    A name of letters, digits and blanks only keys as before punctuation was set aside."""
    words = "".join(ch if ch.isalnum() else " " for ch in search_key(name))
    return " ".join(words.split())


def canonical_meeting_id(value: object) -> str | None:
    """Returns a meeting id in its one written form (a UUID's: lower case, hyphenated), however it was
    typed (any casing, surrounding blanks); None when it cannot be a meeting's id."""
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:
        return None


def _checked(problems: list[ValidationProblem], read: Any) -> object:
    try:
        return read()
    except FieldInvalid as invalid:
        problems.append(invalid.problem)
        return None


def _meeting_problem(code: str, field: str) -> FieldInvalid:
    return FieldInvalid(ValidationProblem(code=code, field=field, message_tr=MEETING_PROBLEMS_TR[code]))


def _held_on(value: object, today: date) -> date:
    if value is None:
        raise FieldInvalid(problem("FIELD_MISSING", "held_on"))
    if isinstance(value, datetime):
        raise _meeting_problem("HELD_ON_INVALID", "held_on")
    if isinstance(value, str):
        value = _iso_day(value.strip())
    if not isinstance(value, date):
        raise _meeting_problem("HELD_ON_INVALID", "held_on")
    if not EARLIEST_MEETING <= value <= today:
        raise _meeting_problem("HELD_ON_OUT_OF_RANGE", "held_on")
    return value


def _iso_day(text: str) -> date | None:
    """Returns the day written YYYY-MM-DD (nothing else: no time, no week date), else None."""
    if not _ISO_DAY.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:  # 2026-02-30
        return None


def _name(value: object, field: str) -> str:
    if value is None:
        raise FieldInvalid(problem("FIELD_MISSING", field))
    if not isinstance(value, str):
        raise FieldInvalid(problem("FIELD_NOT_TEXT", field))
    name = normalise_text(value, field=field, min_len=2, max_len=NAME_MAX_LEN)
    if not identity_key(name):  # "...", "🙂🙂": names nobody, and every such name would be one meeting
        raise _meeting_problem("NAME_WITHOUT_LETTERS", field)
    return name


def _attendees(value: object) -> int:
    if value is None:
        raise FieldInvalid(problem("FIELD_MISSING", "attendee_count"))
    # A JSON integer: true is not one attendee, nor is 21.5 or "21".
    if isinstance(value, bool) or not isinstance(value, int):
        raise _meeting_problem("ATTENDEES_NOT_INTEGER", "attendee_count")
    if not 1 <= value <= ATTENDEES_MAX:
        raise _meeting_problem("ATTENDEES_OUT_OF_RANGE", "attendee_count")
    return value
