"""A rejected submission's SMS: once, naming the day it was received and why (given/when/then)."""

from __future__ import annotations

from datetime import UTC, datetime

from acikkapi_shared.testing.in_process import decide_after
from notifier.domain.events import SmsRequested
from notifier.domain.rejection import NotifyRejection, rejection_stream, rejections

SUBMISSION = "0b9d3c1e-6a52-4f7e-9a51-2f0c8e7d4b10"
STREAM = rejection_stream(SUBMISSION)
REJECT = NotifyRejection(
    submission_id=SUBMISSION,
    phone="+905321234567",
    received_at=datetime(2026, 5, 21, 22, 30, tzinfo=UTC),  # 22 May, 01:30 in Istanbul
    reasons=(
        "Seçilen ilçe tanınmadı. Lütfen listeden bir ilçe seçin.",
        "Lütfen adınızı ve soyadınızı harflerle yazın.",
    ),
    trigger_event_id="intake-event-3",
)


def test_the_applicant_is_told_why_once() -> None:
    (told,) = decide_after(rejections, STREAM, [], REJECT)
    assert isinstance(told, SmsRequested)
    assert (told.application_number, told.template, told.trigger_event_id) == (
        SUBMISSION,
        "rejected",
        "intake-event-3",
    )
    assert told.text.startswith(
        "Sayın başvuru sahibi, 22.05.2026 tarihli Açık Kapı başvurunuz kayda alınamamıştır."
    )
    assert "Gerekçe: Seçilen ilçe tanınmadı. Lütfen listeden bir ilçe seçin. Lütfen adınızı" in told.text
    assert told.segments <= 2 and told.not_before is None  # urgent: the answer to what was just sent
    assert decide_after(rejections, STREAM, [told], REJECT) == []
