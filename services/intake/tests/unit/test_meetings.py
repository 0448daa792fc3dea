"""Halk Günü meetings and the desk's channels (domain/meetings.py): given events / when a command / then
events or a rejection with a stable code and Turkish message. No database."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from acikkapi_shared.decider import CommandRejected
from acikkapi_shared.testing.in_process import decide_after
from intake.domain.meeting_fields import canonical_meeting_id, meeting_id_of, read_meeting
from intake.domain.meetings import (
    LinkApplication,
    MeetingApplicationLinked,
    MeetingRecorded,
    RecordMeeting,
    desk_problems,
    meeting_stream,
    meetings,
)
from intake.domain.problems import SubmissionInvalid

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


def test_every_field_of_a_meeting_at_fault_is_named_at_once() -> None:
    with pytest.raises(SubmissionInvalid) as nothing:
        read_meeting({"salon": "B"}, NOW)
    assert [(p.field, p.code) for p in nothing.value.problems] == [
        ("held_on", "FIELD_MISSING"),
        ("chair", "FIELD_MISSING"),
        ("place", "FIELD_MISSING"),
        ("attendee_count", "FIELD_MISSING"),
        ("salon", "FIELD_UNKNOWN"),
    ]
    wrong = {"held_on": "2026-W21-3", "chair": 7, "place": "K", "attendee_count": 21.0}
    with pytest.raises(SubmissionInvalid) as shapes:
        read_meeting(wrong, NOW)
    assert [p.code for p in shapes.value.problems] == [
        "HELD_ON_INVALID",
        "FIELD_NOT_TEXT",
        "TEXT_TOO_SHORT",
        "ATTENDEES_NOT_INTEGER",
    ]
    assert all(p.message_tr for p in shapes.value.problems)


def test_the_same_day_chair_and_place_are_the_same_meeting_however_typed() -> None:
    typed = read_meeting(
        {
            "held_on": "2026-05-20",
            "chair": "Vali Ahmet Yılmaz",
            "place": "Kars Valiliği",
            "attendee_count": 21,
        },
        NOW,
    )
    retyped = record(chair="VALİ  AHMET YILMAZ", place="kars valiligi ", attendee_count=22)
    assert meeting_id_of(typed) == meeting_id_of(retyped)
    assert meeting_id_of(typed) != meeting_id_of(record(held_on=date(2026, 5, 21)))
    assert meeting_id_of(typed) != meeting_id_of(record(place="Sarıkamış Kaymakamlığı"))


def test_punctuation_does_not_make_another_meeting() -> None:
    plain = record(chair="Vali Ahmet Yılmaz", place="Kars Valiliği")
    for chair, place in (
        ("Vali Ahmet Yılmaz.", "Kars Valiliği"),
        ("Vali, Ahmet Yılmaz", "Kars Valiliği;"),
        ("Vali - Ahmet Yılmaz", "“Kars Valiliği”"),
    ):
        assert meeting_id_of(record(chair=chair, place=place)) == meeting_id_of(plain), (chair, place)
    assert meeting_id_of(record(chair="Vali Ahmet Yılmaz", place="Kars Valiliği 2")) != meeting_id_of(plain)


def test_a_name_of_letters_and_blanks_keeps_the_id_it_had_before_punctuation_was_set_aside() -> None:
    # The id meeting_id_of gave this meeting when the identity rule came (commit 4c3ae50).
    assert meeting_id_of(record()) == "bbd7ae11-bfa8-5c89-b494-84a5f99d2623"


def test_a_meeting_id_is_read_in_any_casing() -> None:
    given = "0D7A4C1E-93B2-4F6E-8A15-5B3C2E7F9A60"
    assert canonical_meeting_id(f" {given} ") == given.lower()
    assert canonical_meeting_id("nope") is None and canonical_meeting_id(7) is None


@pytest.mark.parametrize(
    ("chair", "place"), [("...", "Kars"), ("!!!", "Kars"), ("Vali", "🙂🙂🙂"), ("— —", "??")]
)
def test_a_chair_or_place_without_a_letter_or_digit_names_nobody(chair: str, place: str) -> None:
    meeting = {"held_on": "2026-05-20", "chair": chair, "place": place, "attendee_count": 3}
    with pytest.raises(SubmissionInvalid) as refused:
        read_meeting(meeting, NOW)
    assert {p.code for p in refused.value.problems} == {"NAME_WITHOUT_LETTERS"}
    assert all(p.message_tr.startswith("Bu alan en az bir harf") for p in refused.value.problems)
    read_meeting({**meeting, "chair": "Vali 2.", "place": "Kars"}, NOW)  # one letter or digit is enough
