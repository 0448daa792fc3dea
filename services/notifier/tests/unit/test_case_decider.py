"""The notifier's case decider, given events / when a command / then events: no database."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from acikkapi_shared.events.base import EventPayload
from acikkapi_shared.events.notifier import SmsWithheld
from acikkapi_shared.events.router import (
    CaseConcluded,
    CaseRoutedByHand,
    CaseWithdrawn,
    InformationRequested,
    TransferApproved,
)
from acikkapi_shared.events.sla_monitor import ClocksReopened, DeadlineSet
from acikkapi_shared.reference import kars
from acikkapi_shared.testing.in_process import decide_after
from notifier.domain.case import IDENTITY_HIDDEN, SMS_REFUSED, NoticeStage, RecordContact, case_decider
from notifier.domain.events import CaseContactRecorded, CaseDeadlineRecorded, SmsRequested, StageNoticed
from notifier.domain.quiet_hours import ISTANBUL
from notifier.domain.stage_table import load_stage_table
from notifier.domain.tracking_address import TrackingAddress

NUMBER = "2026-000001-N"
PHONE = "+905321234567"
CODE = "K7QX-9M2D-WR4T"
NOON = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)  # 12:00 in Istanbul, a Monday
DUE = datetime(2026, 6, 5, 20, 59, 59, tzinfo=UTC)
cases = case_decider(kars())
stages = load_stage_table()
CONTACT = RecordContact(PHONE, CODE, "intake-event-1", NOON)


def notice(event: EventPayload, trigger: str, at: datetime = NOON) -> NoticeStage:
    """Returns the command the translator makes of an upstream event (through the real table)."""
    entry = stages.entries[event.TYPE]
    return NoticeStage(trigger, event.TYPE, entry.template, entry.urgent, stages.parameters_of(event), at)


DEADLINE = notice(
    DeadlineSet(
        application_number=NUMBER,
        institution="BELEDIYE_KARS",
        received_at=NOON,
        budget_days=7,
        due_at=DUE,
    ),
    "sla-event-1",
)
QUESTION = InformationRequested(
    application_number=NUMBER, institution="BELEDIYE_KARS", request_number=1, question="Tapu örneği"
)


def run(*commands: RecordContact | NoticeStage, given: Sequence[EventPayload] = ()) -> list[EventPayload]:
    """Returns the history after deciding the commands in order."""
    history = list(given)
    for command in commands:
        history += decide_after(cases, NUMBER, history, command)
    return history


def sms(history: Sequence[EventPayload]) -> list[SmsRequested]:
    return [event for event in history if isinstance(event, SmsRequested)]


def registered() -> list[EventPayload]:
    return run(CONTACT, DEADLINE)


def test_no_sms_until_both_contact_and_deadline_are_known() -> None:
    (contact,) = decide_after(cases, NUMBER, [], CONTACT)
    (deadline,) = decide_after(cases, NUMBER, [], DEADLINE)
    assert isinstance(contact, CaseContactRecorded) and isinstance(deadline, StageNoticed)


def test_either_order_gives_the_same_sms_told_of_the_deadline_event() -> None:
    (one,), (two,) = sms(run(CONTACT, DEADLINE)), sms(run(DEADLINE, CONTACT))
    assert (one.text, one.phone, one.trigger_event_id) == (two.text, two.phone, two.trigger_event_id)
    assert one.trigger_event_id == "sla-event-1" and NUMBER in one.text and "05.06.2026" in one.text
    assert "Kars Belediyesi" in one.text and CODE in one.text and one.segments <= 2


def test_a_redelivered_fact_requests_nothing_more() -> None:
    history = registered()
    assert decide_after(cases, NUMBER, history, DEADLINE) == []
    assert decide_after(cases, NUMBER, history, CONTACT) == []
    asked = run(notice(QUESTION, "router-event-7"), given=history)
    assert decide_after(cases, NUMBER, asked, notice(QUESTION, "router-event-7")) == []


def test_a_second_information_request_is_a_second_sms() -> None:
    second = QUESTION.model_copy(update={"request_number": 2, "question": "İkamet belgesi"})
    history = run(notice(QUESTION, "router-event-7"), notice(second, "router-event-9"), given=registered())
    first_sms, second_sms = sms(history)[1:]
    assert (first_sms.trigger_event_id, second_sms.trigger_event_id) == ("router-event-7", "router-event-9")
    assert "Tapu örneği" in first_sms.text and "İkamet belgesi" in second_sms.text


STAGE_EVENTS: list[tuple[EventPayload, str, str]] = [
    (
        CaseRoutedByHand(
            application_number=NUMBER,
            institution="SAGLIK",
            institution_name="Kars İl Sağlık Müdürlüğü",
            previous_institution="ACIKKAPI",
            reason="konu sağlık",
        ),
        "routed",
        "İlgili kurum: Kars İl Sağlık Müdürlüğü.",
    ),
    (
        TransferApproved(
            application_number=NUMBER,
            previous_institution="BELEDIYE_KARS",
            institution="SAGLIK",
            institution_name="Kars İl Sağlık Müdürlüğü",
        ),
        "transferred",
        "Önceki kurum: Kars Belediyesi. Yeni kurum: Kars İl Sağlık Müdürlüğü.",
    ),
    (QUESTION, "information_requested", "İstenen bilgi: Tapu örneği."),
    (
        CaseConcluded(
            application_number=NUMBER,
            institution="BELEDIYE_KARS",
            outcome="REFUSED",
            reasons="imar planı",
            answer="...",
        ),
        "concluded",
        "Sonuç: Talebiniz karşılanamamıştır",
    ),
    (
        ClocksReopened(application_number=NUMBER, at=NOON, budget_days=7, due_at=DUE, cycle=2),
        "reopened",
        "itirazınız üzerine yeniden incelemeye alınmıştır. İlgili kurum: Kars Belediyesi.",
    ),
    (
        CaseWithdrawn(application_number=NUMBER, institution="BELEDIYE_KARS", reason="çözüldü"),
        "withdrawn",
        "geri çekme talebiniz üzerine kapatılmıştır",
    ),
]


@pytest.mark.parametrize(("event", "template", "says"), STAGE_EVENTS, ids=[s[1] for s in STAGE_EVENTS])
def test_every_stage_event_sends_its_template(event: EventPayload, template: str, says: str) -> None:
    then = decide_after(cases, NUMBER, registered(), notice(event, "router-event-5"))
    assert [type(e).__name__ for e in then] == ["StageNoticed", "SmsRequested"]
    told = then[1]
    assert isinstance(told, SmsRequested)
    assert (told.template, told.trigger_event_id, told.phone) == (template, "router-event-5", PHONE)
    assert says in told.text and told.not_before is None  # noon: no quiet hours


@pytest.mark.parametrize(("event", "template", "says"), STAGE_EVENTS, ids=[s[1] for s in STAGE_EVENTS])
def test_with_the_tracking_page_address_the_sms_that_send_the_applicant_there_write_it(
    event: EventPayload, template: str, says: str
) -> None:
    linking = case_decider(kars(), address=TrackingAddress.parse("https://acikkapi.kars.gov.tr/takip"))
    history = [*decide_after(linking, NUMBER, [], CONTACT)]
    history += decide_after(linking, NUMBER, history, DEADLINE)
    told = decide_after(linking, NUMBER, history, notice(event, "router-event-5"))[1]
    assert isinstance(told, SmsRequested) and says in told.text
    link = f"acikkapi.kars.gov.tr/takip?numara={NUMBER} adresinden"
    assert (link in told.text) == (template not in ("reopened", "withdrawn"))
    assert "acikkapi.kars.gov.tr" not in sms(history)[0].text  # the registered SMS has no room for it


def test_a_stage_before_the_registered_sms_waits_for_it_and_comes_after() -> None:
    history = run(CONTACT, notice(QUESTION, "router-event-7"))
    assert sms(history) == []
    told = sms(run(DEADLINE, given=history))
    assert [s.template for s in told] == ["registered", "information_requested"]


@pytest.mark.parametrize(
    ("hidden", "refused", "reason"),
    [(True, False, IDENTITY_HIDDEN), (False, True, SMS_REFUSED), (True, True, IDENTITY_HIDDEN)],
)
def test_an_applicant_who_hid_their_identity_or_refused_sms_gets_none_and_why_is_recorded(
    hidden: bool, refused: bool, reason: str
) -> None:
    contact = RecordContact(PHONE, CODE, "intake-event-1", NOON, identity_hidden=hidden, sms_refused=refused)
    history = run(contact, DEADLINE, notice(QUESTION, "router-event-7"))
    assert sms(history) == []
    withheld = [e for e in history if isinstance(e, SmsWithheld)]
    assert [(w.trigger_event_id, w.template, w.reason) for w in withheld] == [
        ("sla-event-1", "registered", reason),
        ("router-event-7", "information_requested", reason),
    ]
    recorded = next(e for e in history if isinstance(e, CaseContactRecorded))
    assert recorded.phone is None  # not kept when never used
    assert decide_after(cases, NUMBER, history, notice(QUESTION, "router-event-7")) == []


def test_a_non_urgent_sms_in_quiet_hours_waits_for_08_00_istanbul_across_midnight() -> None:
    late_evening = datetime(2026, 6, 1, 23, 30, tzinfo=ISTANBUL)
    then = decide_after(cases, NUMBER, registered(), notice(QUESTION, "router-event-7", at=late_evening))
    told = then[-1]
    assert isinstance(told, SmsRequested)
    assert told.not_before == datetime(2026, 6, 2, 8, 0, tzinfo=ISTANBUL)


def test_a_non_urgent_sms_after_midnight_waits_for_08_00_the_same_day() -> None:
    small_hours = datetime(2026, 12, 31, 22, 15, tzinfo=UTC)  # 01:15 on 1 January in Istanbul
    told = decide_after(cases, NUMBER, registered(), notice(QUESTION, "router-event-7", at=small_hours))[-1]
    assert isinstance(told, SmsRequested)
    assert told.not_before == datetime(2027, 1, 1, 8, 0, tzinfo=ISTANBUL)


def test_a_due_day_already_past_is_not_promised() -> None:
    # An application received long before it was entered (a letter, a desk entry backdated): its due
    # day may have passed when the SMS is written.
    in_time = sms(run(CONTACT, DEADLINE))[0].text
    late = datetime(2026, 6, 6, 9, 0, tzinfo=UTC)  # the day after the due day
    overdue = sms(run(DEADLINE, RecordContact(PHONE, CODE, "intake-event-1", late)))[0].text
    assert "en geç 05.06.2026 tarihinde sonuçlanacaktır" in in_time
    assert "en kısa sürede sonuçlandırılacaktır" in overdue and "05.06.2026" not in overdue
    on_the_day = datetime(2026, 6, 5, 12, 0, tzinfo=UTC)
    told = sms(run(DEADLINE, RecordContact(PHONE, CODE, "intake-event-1", on_the_day)))[0].text
    assert "en geç 05.06.2026" in told  # the due day itself is still ahead until its end


def test_the_registered_sms_is_urgent_and_goes_in_quiet_hours() -> None:
    night = datetime(2026, 6, 1, 23, 30, tzinfo=ISTANBUL)
    (told,) = sms(run(RecordContact(PHONE, CODE, "intake-event-1", night), DEADLINE))
    assert told.not_before is None


def test_the_clock_of_the_decision_not_of_the_trigger_judges_quiet_hours() -> None:
    # A question asked at noon whose contact arrives at night is held: what matters is when it is sent.
    night = datetime(2026, 6, 1, 23, 30, tzinfo=ISTANBUL)
    history = run(DEADLINE, notice(QUESTION, "router-event-7"))
    later = sms(run(RecordContact(PHONE, CODE, "intake-event-1", night), given=history))
    assert [(s.template, s.not_before) for s in later] == [
        ("registered", None),
        ("information_requested", datetime(2026, 6, 2, 8, 0, tzinfo=ISTANBUL)),
    ]


def test_a_log_written_before_the_stage_table_still_folds_to_its_one_registered_sms() -> None:
    old_deadline = CaseDeadlineRecorded(
        institution="BELEDIYE_KARS", due_at=DUE, source_event_id="sla-event-1"
    )
    history = run(CONTACT, given=[old_deadline])
    (told,) = sms(history)
    assert told.trigger_event_id == "sla-event-1"
    assert decide_after(cases, NUMBER, history, DEADLINE) == []


def test_an_intent_recorded_before_triggers_existed_still_counts() -> None:
    legacy = SmsRequested(
        application_number=NUMBER,
        template="registered",
        phone=PHONE,
        text="...",
        encoding="GSM7_TR",
        segments=1,
    )
    history = [*decide_after(cases, NUMBER, [], CONTACT), legacy]
    assert [type(e).__name__ for e in decide_after(cases, NUMBER, history, DEADLINE)] == ["StageNoticed"]
    # ... and stands for the registered SMS that the stages wait for.
    assert [s.template for s in sms(run(notice(QUESTION, "router-event-7"), given=history))] == [
        "registered",
        "information_requested",
    ]
