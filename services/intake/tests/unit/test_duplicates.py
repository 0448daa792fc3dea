"""Likely duplicates (domain/duplicates.py): the flag links the later received application to the
earlier received one, whichever was registered first. No database."""

from __future__ import annotations

from datetime import UTC, datetime

from acikkapi_shared.testing.in_process import decide_after
from intake.domain.duplicates import (
    ApplicationNoted,
    LikelyDuplicateFlagged,
    NoteApplication,
    applicant_histories,
    history_stream,
)

STREAM = history_stream("phone", "+905321234567")
TEXT = "Yusufpaşa Mahallesi'nde iki gündür içme suyu kesik, belediyeyi aradık ama kimse ilgilenmiyor."
REWORDED = "İki gündür Yusufpaşa Mahallesi'nde içme suyu kesik; belediyeyi aradık, kimse ilgilenmiyor!"


def noted(number: str, day: int) -> ApplicationNoted:
    return ApplicationNoted(
        application_number=number, received_at=datetime(2026, 12, day, 9, tzinfo=UTC), text=TEXT
    )


def flag_of(history: list[ApplicationNoted], number: str, day: int) -> LikelyDuplicateFlagged:
    note = NoteApplication(number, datetime(2026, 12, day, 9, tzinfo=UTC), REWORDED, "phone")
    (_, flag) = decide_after(applicant_histories, STREAM, history, note)
    assert isinstance(flag, LikelyDuplicateFlagged)
    return flag


def test_the_later_registered_and_later_received_application_is_linked_to_the_earlier() -> None:
    flag = flag_of([noted("2026-000032-P", 3)], "2026-000035-E", 7)
    assert (flag.application_number, flag.earlier_application_number) == ("2026-000035-E", "2026-000032-P")


def test_a_back_dated_entry_is_the_earlier_of_the_pair_though_registered_later() -> None:
    # 2026-000035-E was received on 3 December and entered at the desk after 2026-000032-P (7 December).
    flag = flag_of([noted("2026-000032-P", 7)], "2026-000035-E", 3)
    assert (flag.application_number, flag.earlier_application_number) == ("2026-000032-P", "2026-000035-E")


def test_received_at_the_same_moment_the_lower_number_is_the_earlier() -> None:
    flag = flag_of([noted("2026-000040-X", 5)], "2026-000035-E", 5)
    assert (flag.application_number, flag.earlier_application_number) == ("2026-000040-X", "2026-000035-E")
