"""The desk's words for the portal's submitted_at problems (entrypoints/desk_problems.py): the staff
typed the moment of receipt themselves, and it is called received_at there."""

from __future__ import annotations

from datetime import timedelta

from intake.domain.problems import ValidationProblem
from intake.entrypoints.desk_problems import as_received_at


def test_the_desk_tells_the_age_limit_of_a_moment_of_receipt_from_its_setting() -> None:
    portal = ValidationProblem("SUBMITTED_AT_OUT_OF_RANGE", "submitted_at", "Gönderim zamanı …")
    (desk,) = as_received_at([portal], timedelta(days=7))
    assert desk.field == "received_at"
    assert desk.message_tr == "Alınma zamanı 7 günden daha eski ya da ileri bir tarih olamaz."


def test_another_problem_of_the_moment_of_receipt_is_told_in_the_desks_words() -> None:
    portal = ValidationProblem("FIELD_NOT_TEXT", "submitted_at", "Gönderim zamanı …")
    (desk,) = as_received_at([portal], timedelta(days=30))
    assert (desk.field, desk.message_tr) == (
        "received_at",
        "Alınma zamanı alanı metin olarak gönderilmelidir.",
    )
    other = ValidationProblem("TOPIC_UNKNOWN", "topic", "…")
    assert as_received_at([other], timedelta(days=30)) == [other]
