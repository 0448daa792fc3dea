"""The notifier's case decider, given events / when a command / then events: no database."""

from __future__ import annotations

from datetime import UTC, datetime

from acikkapi_shared.reference import kars
from acikkapi_shared.testing.in_process import decide_after
from notifier.domain.case import RecordContact, RecordDeadline, case_decider
from notifier.domain.events import CaseContactRecorded, CaseDeadlineRecorded, SmsRequested

NUMBER = "2026-000001-N"
DUE = datetime(2026, 6, 5, 20, 59, 59, tzinfo=UTC)
cases = case_decider(kars())
CONTACT = RecordContact("+905321234567", "K7QX-9M2D-WR4T", "intake-event-1")
DEADLINE = RecordDeadline("BELEDIYE_KARS", DUE, "sla-event-1")


def test_no_sms_until_both_contact_and_deadline_are_known() -> None:
    (contact,) = decide_after(cases, NUMBER, [], CONTACT)
    (deadline,) = decide_after(cases, NUMBER, [], DEADLINE)
    assert isinstance(contact, CaseContactRecorded) and isinstance(deadline, CaseDeadlineRecorded)


def test_either_order_gives_the_same_sms_told_of_the_deadline_event() -> None:
    contact_first = decide_after(cases, NUMBER, decide_after(cases, NUMBER, [], CONTACT), DEADLINE)
    deadline_first = decide_after(cases, NUMBER, decide_after(cases, NUMBER, [], DEADLINE), CONTACT)
    one, two = contact_first[-1], deadline_first[-1]
    assert isinstance(one, SmsRequested) and isinstance(two, SmsRequested)
    assert (one.text, one.phone, one.trigger_event_id) == (two.text, two.phone, two.trigger_event_id)
    assert one.trigger_event_id == "sla-event-1" and NUMBER in one.text and "05.06.2026" in one.text
    assert "Kars Belediyesi" in one.text and one.segments <= 2


def test_a_redelivered_fact_requests_nothing_more() -> None:
    history = [*decide_after(cases, NUMBER, [], CONTACT)]
    history += decide_after(cases, NUMBER, history, DEADLINE)
    assert decide_after(cases, NUMBER, history, DEADLINE) == []
    assert decide_after(cases, NUMBER, history, CONTACT) == []


def test_a_new_deadline_event_is_a_new_trigger_with_an_sms_of_its_own() -> None:
    history = [*decide_after(cases, NUMBER, [], CONTACT)]
    history += decide_after(cases, NUMBER, history, DEADLINE)
    later = decide_after(cases, NUMBER, history, RecordDeadline("SAGLIK", DUE, "sla-event-2"))
    assert [type(event).__name__ for event in later] == ["CaseDeadlineRecorded", "SmsRequested"]


def test_an_intent_recorded_before_triggers_existed_still_counts() -> None:
    legacy = SmsRequested(
        application_number=NUMBER,
        template="registered",
        phone="+905321234567",
        text="...",
        encoding="GSM7_TR",
        segments=1,
    )
    history = [*decide_after(cases, NUMBER, [], CONTACT), legacy]
    assert [type(e).__name__ for e in decide_after(cases, NUMBER, history, DEADLINE)] == [
        "CaseDeadlineRecorded"
    ]
