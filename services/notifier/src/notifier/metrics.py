"""The notifier's business metrics, counted from committed events (never inside a retried transaction),
and the provider-account alarm the dispatcher raises while sending is paused."""

from __future__ import annotations

from collections.abc import Sequence

from prometheus_client import Counter, Gauge

from acikkapi_shared.events.envelope import EventEnvelope
from acikkapi_shared.events.notifier import (
    SmsAccepted,
    SmsDelivered,
    SmsDeliveryFailed,
    SmsFailed,
    SmsWithheld,
)
from notifier.domain.case import IDENTITY_HIDDEN, SMS_REFUSED
from notifier.domain.events import (
    DeliveryReportUnmatched,
    SmsJobAccepted,
    SmsJobAttemptFailed,
    SmsJobFailed,
    SmsJobSplit,
    SmsRedriven,
    SmsRequested,
)

SMS_REQUESTED = Counter("acikkapi_sms_requested_total", "SMS the notifier decided to send", ["template"])
SMS_SENT = Counter(
    "acikkapi_sms_total", "SMS outcomes recorded, by outcome (accepted, failed for good)", ["outcome"]
)
SMS_SEGMENTS = Counter("acikkapi_sms_segments_total", "SMS segments requested", ["encoding"])
SMS_PENDING = Gauge("acikkapi_sms_outbox_pending", "SMS recorded and not yet accepted by the provider")
SMS_JOB_ATTEMPTS = Counter(
    "acikkapi_sms_job_attempts_total",
    "Provider job attempts recorded, by outcome (accepted, transient, account, split, failed)",
    ["outcome"],
)
SMS_DELIVERY_REPORTS = Counter(
    "acikkapi_sms_delivery_reports_total",
    "Final delivery reports recorded, by outcome (delivered, undelivered, unmatched)",
    ["outcome"],
)
SMS_WITHHELD = Counter(
    "acikkapi_sms_withheld_total", "SMS not sent at the applicant's wish, by reason", ["reason"]
)
SMS_REDRIVEN = Counter("acikkapi_sms_redriven_total", "Failed SMS put back to be sent by a re-drive")
ACCOUNT_REFUSED = Gauge(
    "acikkapi_sms_provider_account_refused",
    "1 while sending is paused because the provider refuses the account (by refusal code)",
    ["code"],
)


_REPORT_OUTCOMES = {
    SmsDelivered.TYPE: "delivered",
    SmsDeliveryFailed.TYPE: "undelivered",
    DeliveryReportUnmatched.TYPE: "unmatched",
}


def prime() -> None:
    """Creates the outcome series at 0, so that the first failure shows as an increase and the failure
    ratio has a value before it."""
    for outcome in ("accepted", "failed"):
        SMS_SENT.labels(outcome)
    for outcome in ("accepted", "transient", "account", "split", "failed"):
        SMS_JOB_ATTEMPTS.labels(outcome)
    for outcome in _REPORT_OUTCOMES.values():
        SMS_DELIVERY_REPORTS.labels(outcome)
    for reason in (IDENTITY_HIDDEN, SMS_REFUSED):
        SMS_WITHHELD.labels(reason)


def committed(events: Sequence[EventEnvelope]) -> None:
    """Counts the SMS intents, outcomes, job attempts, re-drives, withheld SMS and delivery reports of a
    commit."""
    for event in events:
        if event.type == SmsRequested.TYPE:
            SMS_REQUESTED.labels(str(event.payload.get("template"))).inc()
            SMS_SEGMENTS.labels(str(event.payload.get("encoding"))).inc(int(event.payload.get("segments", 0)))
        elif event.type == SmsAccepted.TYPE:
            SMS_SENT.labels("accepted").inc()
        elif event.type == SmsFailed.TYPE:
            SMS_SENT.labels("failed").inc()
        elif event.type == SmsJobAccepted.TYPE:
            SMS_JOB_ATTEMPTS.labels("accepted").inc()
        elif event.type == SmsJobAttemptFailed.TYPE:
            SMS_JOB_ATTEMPTS.labels(
                "account" if event.payload.get("kind") == "account" else "transient"
            ).inc()
        elif event.type == SmsJobSplit.TYPE:
            SMS_JOB_ATTEMPTS.labels("split").inc()
        elif event.type == SmsJobFailed.TYPE:
            SMS_JOB_ATTEMPTS.labels("failed").inc()
        elif event.type == SmsRedriven.TYPE:
            SMS_REDRIVEN.inc()
        elif event.type in _REPORT_OUTCOMES:
            SMS_DELIVERY_REPORTS.labels(_REPORT_OUTCOMES[event.type]).inc()
        elif event.type == SmsWithheld.TYPE:
            SMS_WITHHELD.labels(str(event.payload.get("reason"))).inc()


def account_refused(code: str) -> None:
    """Raises the alarm: the provider refuses the account with this code (a few fixed codes)."""
    ACCOUNT_REFUSED.labels(code).set(1)


def account_accepted(code: str) -> None:
    """Clears the alarm raised for this code."""
    ACCOUNT_REFUSED.labels(code).set(0)
