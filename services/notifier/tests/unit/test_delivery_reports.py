"""Delivery reports: rows matched to the SMS they report, and recorded once per SMS (given/when/then)."""

from __future__ import annotations

from datetime import UTC, datetime

from acikkapi_shared.events.notifier import SmsAccepted, SmsDelivered, SmsDeliveryFailed
from acikkapi_shared.testing.in_process import decide_after
from notifier.domain.delivery import RecordDeliveryReport, deliveries
from notifier.domain.events import DeliveryReportUnmatched, SmsClaimed
from notifier.domain.reports import (
    RecordUnmatchedReport,
    ReportedSms,
    ReportRow,
    UnmatchedRow,
    match_reports,
    unmatched_reports,
)

NUMBER = "2026-000001-N"
STREAM = "sms:intent-1"
AT = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
ACCEPTED = [
    SmsClaimed(application_number=NUMBER, request_event_id="intent-1", job_id="job-a"),
    SmsAccepted(
        application_number=NUMBER, request_event_id="intent-1", provider_message_id="77-2", attempt=1
    ),
]


def report(status: int) -> RecordDeliveryReport:
    return RecordDeliveryReport(
        NUMBER, "intent-1", "77-2", "registered", status, None, AT if status == 1 else None, "deadline-1"
    )


def sms(intent: str, provider_id: str, number: str) -> ReportedSms:
    return ReportedSms(intent, NUMBER, provider_id, number, "registered")


def row(jobid: str, number: str, status: int = 1) -> ReportRow:
    return ReportRow(jobid, number, status, None, None)


def test_a_delivered_report_is_recorded_once() -> None:
    (delivered,) = decide_after(deliveries, STREAM, ACCEPTED, report(1))
    assert isinstance(delivered, SmsDelivered)
    assert (
        delivered.provider_message_id,
        delivered.template,
        delivered.delivered_at,
        delivered.trigger_event_id,
    ) == ("77-2", "registered", AT, "deadline-1")
    assert decide_after(deliveries, STREAM, [*ACCEPTED, delivered], report(1)) == []
    assert (
        decide_after(deliveries, STREAM, [*ACCEPTED, delivered], report(3)) == []
    )  # the first final one holds


def test_an_undeliverable_report_says_why() -> None:
    (failed,) = decide_after(deliveries, STREAM, ACCEPTED, report(2))
    assert isinstance(failed, SmsDeliveryFailed) and failed.status == 2
    assert failed.trigger_event_id == "deadline-1"  # the stage its SMS told of
    assert failed.reason.startswith("timed out")


def test_a_waiting_or_unknown_status_and_an_sms_not_accepted_record_nothing() -> None:
    assert decide_after(deliveries, STREAM, ACCEPTED, report(0)) == []
    assert decide_after(deliveries, STREAM, ACCEPTED, report(42)) == []
    assert decide_after(deliveries, STREAM, ACCEPTED[:1], report(1)) == []


def test_rows_are_matched_by_job_and_number_in_job_order() -> None:
    first, second, other = (
        sms("i-1", "77-1", "5321000001"),
        sms("i-2", "77-3", "5321000001"),
        sms("i-3", "77-2", "5321000002"),
    )
    rows = [row("77", "5321000001", 1), row("77", "5321000002", 3), row("77", "5321000001", 2)]
    matched, unmatched = match_reports([second, other, first], rows)
    assert [(s.request_event_id, r.status) for s, r in matched] == [("i-1", 1), ("i-3", 3), ("i-2", 2)]
    assert unmatched == []


def test_a_row_no_sms_is_left_for_is_unmatched_with_its_place() -> None:
    matched, unmatched = match_reports(
        [sms("i-1", "77", "5321000001")],
        [row("77", "5321000001"), row("77", "5321000001", 3), row("88", "5321000009", 1)],
    )
    assert [s.request_event_id for s, _ in matched] == ["i-1"]
    assert unmatched == [UnmatchedRow("77", 2, 3), UnmatchedRow("88", 1, 1)]


def test_an_unmatched_row_is_recorded_once() -> None:
    command = RecordUnmatchedReport(UnmatchedRow("88", 1, 1))
    (recorded,) = decide_after(unmatched_reports, "sms-report:88", [], command)
    assert isinstance(recorded, DeliveryReportUnmatched)
    assert decide_after(unmatched_reports, "sms-report:88", [recorded], command) == []


def test_a_report_recorded_before_triggers_were_carried_still_reads() -> None:
    stored = {
        "application_number": NUMBER,
        "request_event_id": "intent-1",
        "provider_message_id": "77-2",
        "template": "registered",
        "delivered_at": "2026-06-01T09:00:00+00:00",
        "status": 1,
    }
    old = SmsDelivered.from_payload(stored, 1)
    assert (old.trigger_event_id, old.delivered_at) == (None, AT)
    failed = {**stored, "status": 2, "reason": "timed out", "error_code": None}
    del failed["delivered_at"]
    assert SmsDeliveryFailed.from_payload(failed, 1).trigger_event_id is None
