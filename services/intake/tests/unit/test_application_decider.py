"""intake's deciders, given events / when a command / then events: no database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from acikkapi_shared.decider import CommandRejected
from acikkapi_shared.events.intake import ApplicationRegistered, ApplicationStageChanged
from acikkapi_shared.testing.in_process import decide_after
from intake.domain.application import FollowStage, RegisterApplication, applications
from intake.domain.events import ApplicationNumberIssued
from intake.domain.numbering import IssueNumber, numbering
from intake.domain.submission import ValidSubmission

NOW = datetime(2026, 5, 22, 11, 0, tzinfo=UTC)
DUE = datetime(2026, 6, 5, 20, 59, 59, tzinfo=UTC)
NUMBER = "2026-000001-N"
SUBMISSION = ValidSubmission(
    submission_id="0b9d3c1e-6a52-4f7e-9a51-2f0c8e7d4b10",
    submitted_at=NOW,
    channel="WEB",
    applicant_name="Ayşe Yılmaz",
    phone_e164="+905321234567",
    tckn=None,
    topic="YEREL_YONETIMLER",
    type="SIKAYET",
    district="MERKEZ",
    text="Yusufpaşa Mahallesi'nde iki gündür içme suyu kesik.",
)


def registered() -> ApplicationRegistered:
    (event,) = decide_after(
        applications, NUMBER, [], RegisterApplication(NUMBER, "K7QX-9M2D-WR4T", SUBMISSION)
    )
    assert isinstance(event, ApplicationRegistered)
    return event


def routed(due: datetime | None = None, source: str = "e1") -> FollowStage:
    return FollowStage("ROUTED", "BELEDIYE_KARS", due, "router", source)


def test_numbers_of_a_year_follow_each_other() -> None:
    issue = IssueNumber(2026, SUBMISSION.submission_id)
    (first,) = decide_after(numbering, "application-numbers-2026", [], issue)
    (second,) = decide_after(numbering, "application-numbers-2026", [first], issue)
    assert isinstance(first, ApplicationNumberIssued) and isinstance(second, ApplicationNumberIssued)
    assert first.application_number.startswith("2026-000001-")
    assert second.application_number.startswith("2026-000002-")
    assert first.correlates_with() == first.application_number


def test_a_registered_application_carries_the_submission_and_its_code() -> None:
    event = registered()
    assert (event.application_number, event.tracking_code, event.channel) == (NUMBER, "K7QX-9M2D-WR4T", "WEB")
    assert event.applicant.phone == "+905321234567" and event.received_at == NOW


def test_a_number_is_never_registered_twice() -> None:
    with pytest.raises(CommandRejected) as rejected:
        decide_after(applications, NUMBER, [registered()], RegisterApplication(NUMBER, "X", SUBMISSION))
    assert rejected.value.code == "APPLICATION_NUMBER_TAKEN" and rejected.value.message_tr


def test_routing_moves_the_stage_and_a_later_deadline_adds_to_it() -> None:
    (moved,) = decide_after(applications, NUMBER, [registered()], routed())
    assert isinstance(moved, ApplicationStageChanged) and moved.stage == "ROUTED" and moved.due_at is None
    (dated,) = decide_after(applications, NUMBER, [registered(), moved], routed(DUE, "e2"))
    assert isinstance(dated, ApplicationStageChanged) and dated.due_at == DUE and dated.stage == "ROUTED"


def test_the_stage_never_moves_back_and_nothing_new_records_nothing() -> None:
    concluded = ApplicationStageChanged(
        application_number=NUMBER,
        stage="CONCLUDED",
        institution="BELEDIYE_KARS",
        due_at=DUE,
        source_service="router",
        source_event_id="e9",
    )
    assert decide_after(applications, NUMBER, [registered(), concluded], routed(DUE, "late")) == []


def test_a_stage_for_an_unknown_application_is_rejected() -> None:
    with pytest.raises(CommandRejected) as rejected:
        decide_after(applications, NUMBER, [], routed())
    assert rejected.value.code == "APPLICATION_UNKNOWN"
