"""Halk Günü meetings and the desk's channels (domain/meetings.py): given events / when a command / then
events or a rejection with a stable code and Turkish message. No database."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from acikkapi_shared.decider import CommandRejected
from acikkapi_shared.testing.in_process import decide_after
from intake.domain.meetings import (
    LinkApplication,
    MeetingApplicationLinked,
    MeetingRecorded,
    RecordMeeting,
    desk_problems,
    meeting_stream,
    meetings,
)

STREAM = meeting_stream("0d7a4c1e-93b2-4f6e-8a15-5b3c2e7f9a60")
NOW = datetime(2026, 5, 22, 21, 30, tzinfo=UTC)  # 23 May 00:30 in Istanbul


def record(**changes: object) -> RecordMeeting:
    fields: dict[str, object] = {
        "held_on": date(2026, 5, 20),
        "chair": "  Vali  Ahmet Yılmaz ",
        "place": "Kars Valiliği",
        "attendee_count": 21,
        "recorded_at": NOW,
    }
    return RecordMeeting(**{**fields, **changes})  # type: ignore[arg-type]


def test_a_meeting_is_recorded_once_with_its_text_normalised() -> None:
    (recorded,) = decide_after(meetings, STREAM, [], record())
    assert isinstance(recorded, MeetingRecorded)
    assert (recorded.meeting_id, recorded.chair, recorded.attendee_count) == (
        "0d7a4c1e-93b2-4f6e-8a15-5b3c2e7f9a60",
        "Vali Ahmet Yılmaz",
        21,
    )
    with pytest.raises(CommandRejected) as again:
        decide_after(meetings, STREAM, [recorded], record())
    assert again.value.code == "MEETING_ALREADY_RECORDED"


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"held_on": date(2026, 5, 24)}, "HELD_ON_OUT_OF_RANGE", "held_on"),  # after today in Istanbul
        ({"held_on": date(2017, 12, 31)}, "HELD_ON_OUT_OF_RANGE", "held_on"),
        ({"attendee_count": 0}, "ATTENDEES_OUT_OF_RANGE", "attendee_count"),
        ({"attendee_count": 10_001}, "ATTENDEES_OUT_OF_RANGE", "attendee_count"),
        ({"place": "\u200b"}, "FIELD_MISSING", "place"),
        ({"chair": "x" * 201}, "TEXT_TOO_LONG", "chair"),
    ],
)
def test_an_implausible_meeting_is_rejected_with_its_field(
    changes: dict[str, object], code: str, field: str
) -> None:
    with pytest.raises(CommandRejected) as rejected:
        decide_after(meetings, STREAM, [], record(**changes))
    assert (rejected.value.code, rejected.value.field) == (code, field) and rejected.value.message_tr


def test_a_meeting_held_today_in_istanbul_is_taken() -> None:
    assert decide_after(meetings, STREAM, [], record(held_on=date(2026, 5, 23)))


def test_applications_are_linked_once_and_only_to_a_recorded_meeting() -> None:
    with pytest.raises(CommandRejected) as missing:
        decide_after(meetings, STREAM, [], LinkApplication("2026-000001-N"))
    assert (missing.value.code, missing.value.field) == ("MEETING_NOT_FOUND", "meeting_id")
    history = [*decide_after(meetings, STREAM, [], record())]
    (linked,) = decide_after(meetings, STREAM, history, LinkApplication("2026-000001-N"))
    assert isinstance(linked, MeetingApplicationLinked) and linked.application_number == "2026-000001-N"
    assert decide_after(meetings, STREAM, [*history, linked], LinkApplication("2026-000001-N")) == []


@pytest.mark.parametrize(
    ("channel", "with_meeting", "codes"),
    [
        ("DESK", False, []),
        ("PHONE", False, []),
        ("EMAIL", False, []),
        ("HALK_GUNU", True, []),
        ("HALK_GUNU", False, ["MEETING_REQUIRED"]),
        ("PHONE", True, ["MEETING_NOT_ALLOWED"]),
        ("WEB", False, ["CHANNEL_NOT_DESK"]),
        ("MOBILE", True, ["CHANNEL_NOT_DESK"]),
        (None, True, []),  # the validation module names a bad channel itself
    ],
)
def test_the_desk_takes_its_own_channels_and_halk_gunu_with_its_meeting(
    channel: str | None, with_meeting: bool, codes: list[str]
) -> None:
    assert [p.code for p in desk_problems(channel, with_meeting)] == codes
