"""intake's deciders, given events / when a command / then events: no database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from acikkapi_shared.decider import CommandRejected
from acikkapi_shared.events.intake import ApplicationRegistered
from acikkapi_shared.testing.in_process import decide_after
from intake.domain.application import RegisterApplication, applications
from intake.domain.events import ApplicationNumberIssued
from intake.domain.numbering import IssueNumber, numbering
from intake.domain.submission import ValidSubmission

NOW = datetime(2026, 5, 22, 11, 0, tzinfo=UTC)
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
