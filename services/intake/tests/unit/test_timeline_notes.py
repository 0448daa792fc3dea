"""Lines of the applicant's timeline that move no stage, on intake's Application (given events / when a
command / then events): a request the router refused, a recomputed deadline, an SMS delivery report.
No database."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from acikkapi_shared.decider import fold
from acikkapi_shared.events.base import EventPayload
from acikkapi_shared.events.intake import ApplicationRegistered, ApplicationStageChanged
from acikkapi_shared.testing.in_process import decide_after
from intake.domain.application import (
    Application,
    ApplicationCommand,
    RecordDeadline,
    RecordNote,
    RecordStage,
    WithdrawApplication,
    applications,
)
from intake.domain.events import TimelineNoted
from intake.domain.stages import Stage

NUMBER = "2026-000001-N"
AT = datetime(2026, 5, 22, 11, 0, tzinfo=UTC)
DUE = datetime(2026, 6, 5, 20, 59, 59, tzinfo=UTC)
REGISTERED = ApplicationRegistered.model_validate(
    {
        "application_number": NUMBER,
        "tracking_code": "K7QX-9M2D-WR4T",
        "submission_id": "0b9d3c1e-6a52-4f7e-9a51-2f0c8e7d4b10",
        "channel": "PHONE",
        "received_at": AT,
        "topic": "YEREL_YONETIMLER",
        "type": "SIKAYET",
        "district": "MERKEZ",
        "text": "Yusufpaşa Mahallesi'nde iki gündür içme suyu kesik.",
        "applicant": {"name": "Ayşe Yılmaz", "phone": "+905321234567"},
    }
)
ROUTED = RecordStage("r1", 1, "CaseRouted", AT, Stage.ROUTED, "BELEDIYE_KARS")
DEADLINE = RecordDeadline("s1", 1, "DeadlineSet", AT, "r1", DUE, False, "BELEDIYE_KARS")


def recomputed(version: int, due: datetime | None, event_id: str | None = None) -> RecordDeadline:
    event_id = event_id or f"s{version}"
    return RecordDeadline(event_id, version, "DeadlinesRecomputed", AT, None, due, due is None)


def refused(request: str, event_id: str = "x1") -> RecordNote:
    details = {"request": request, "code": "ILLEGAL_TRANSITION", "message": "Şu anda yapılamaz."}
    return RecordNote(event_id, "ApplicantRequestRefused", AT + timedelta(hours=3), details)


def given(*commands: ApplicationCommand) -> list[EventPayload]:
    events: list[EventPayload] = [REGISTERED]
    for command in commands:
        events.extend(decide_after(applications, NUMBER, events, command))
    return events


def state(events: Sequence[EventPayload]) -> Application:
    return fold(applications, NUMBER, list(events))


def test_a_refused_withdrawal_is_noted_once_after_its_stage_and_may_be_asked_again() -> None:
    events = given(ROUTED, DEADLINE, WithdrawApplication("Vazgeçtim."))
    assert state(events).withdrawal_requested
    (note,) = decide_after(applications, NUMBER, events, refused("WITHDRAWAL"))
    assert isinstance(note, TimelineNoted)
    assert (note.position, note.stage, note.institution, note.details["request"]) == (
        1,
        Stage.ROUTED,
        "BELEDIYE_KARS",
        "WITHDRAWAL",
    )
    after = [*events, note]
    assert not state(after).withdrawal_requested
    assert (state(after).stage, state(after).due_at) == (Stage.ROUTED, DUE)  # the note moves nothing
    assert decide_after(applications, NUMBER, after, refused("WITHDRAWAL")) == []  # redelivered
    assert decide_after(applications, NUMBER, after, WithdrawApplication())  # asked again


def test_a_recomputed_deadline_moves_the_due_moment_and_adds_its_line() -> None:
    later = DUE + timedelta(days=2)
    events = given(ROUTED, DEADLINE)
    decided = decide_after(applications, NUMBER, events, recomputed(2, later))
    notes = [e for e in decided if isinstance(e, TimelineNoted)]
    assert [(n.event_type, n.due_at, n.clock_paused, n.stage) for n in notes] == [
        ("DeadlinesRecomputed", later, False, Stage.ROUTED)
    ]
    (changed,) = [e for e in decided if isinstance(e, ApplicationStageChanged)]
    assert (changed.due_at, changed.clock_paused) == (later, False)
    after = [*events, *decided]
    # An older recomputation arriving late is noted as late and moves nothing; no line of its own.
    late = decide_after(applications, NUMBER, after, recomputed(1, DUE, event_id="s0"))
    assert not any(isinstance(e, TimelineNoted | ApplicationStageChanged) for e in late)
    assert state([*after, *late]).due_at == later


def test_a_recomputation_while_paused_keeps_the_due_moment_and_says_paused() -> None:
    events = given(ROUTED, DEADLINE)
    decided = decide_after(applications, NUMBER, events, recomputed(2, None))
    (note,) = [e for e in decided if isinstance(e, TimelineNoted)]
    assert (note.due_at, note.clock_paused) == (None, True)
    assert (state([*events, *decided]).due_at, state([*events, *decided]).clock_paused) == (DUE, True)


def test_an_sms_report_is_noted_once_with_ids_and_codes_only() -> None:
    events = given(ROUTED)
    report = RecordNote("n1", "SmsDelivered", AT, {"template": "registered", "status": 1})
    (note,) = decide_after(applications, NUMBER, events, report)
    assert isinstance(note, TimelineNoted) and note.details == {"template": "registered", "status": 1}
    assert decide_after(applications, NUMBER, [*events, note], report) == []
    assert state([*events, note]).stage == Stage.ROUTED
