"""Delivery reports: what the provider says became of accepted SMS, matched to the intents they report.

Netgsm reports per job and number (its report query by job id; the status codes below). In an n:n
job of several SMS to one number, nothing in a row says which of them it is: the k-th row for a
number is taken for the job's k-th SMS to that number (in job order), the order Netgsm keeps the
job's messages in. A row no SMS of the job is left for (a job the notifier did not ask about, more
rows than SMS) is recorded as DeliveryReportUnmatched on "sms-report:<jobid>", once per row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from acikkapi_shared.decider import Decider
from acikkapi_shared.events.base import EventPayload, EventTypes
from notifier.domain.events import DeliveryReportUnmatched

WAITING = 0
DELIVERED = 1
# The final statuses of an undelivered SMS, with what they mean (Netgsm's report status codes).
UNDELIVERED: dict[int, str] = {
    2: "timed out: the handset was not reached before the message expired",
    3: "wrong or restricted number",
    4: "not sent to the operator",
    11: "refused by the operator",
    12: "delivery error",
    13: "duplicate message",
    14: "blacklisted number",
    16: "refused by İYS",
    17: "İYS error",
}


def is_final(status: int) -> bool:
    """Returns whether a report status ends the SMS's delivery (unknown statuses do not: asked again)."""
    return status == DELIVERED or status in UNDELIVERED


@dataclass(frozen=True)
class ReportRow:
    """One row of a provider's report: a job's SMS to one number (national 5XXXXXXXXX)."""

    jobid: str
    number: str
    status: int
    error_code: int | None
    delivered_at: datetime | None


@dataclass(frozen=True)
class ReportedSms:
    """An accepted SMS waiting for its report: its provider id is "<jobid>" or "<jobid>-<position>"."""

    request_event_id: str
    application_number: str
    provider_message_id: str
    number: str  # national 5XXXXXXXXX
    template: str | None
    trigger_event_id: str | None = None  # the upstream event the SMS tells of

    @property
    def jobid(self) -> str:
        """Returns the provider's job id."""
        return self.provider_message_id.partition("-")[0]

    @property
    def position(self) -> int:
        """Returns the SMS's position in its job (1 for a job of one)."""
        _, _, position = self.provider_message_id.partition("-")
        return int(position) if position.isdigit() else 1


@dataclass(frozen=True)
class UnmatchedRow:
    """A report row no asked-about SMS is left for: its job, its place in the answer, its status."""

    jobid: str
    ordinal: int
    status: int


def match_reports(
    sms: Sequence[ReportedSms], rows: Sequence[ReportRow]
) -> tuple[list[tuple[ReportedSms, ReportRow]], list[UnmatchedRow]]:
    """Returns each row paired with the SMS it reports, and the rows no SMS is left for."""
    waiting: dict[tuple[str, str], list[ReportedSms]] = defaultdict(list)
    for one in sorted(sms, key=lambda s: (s.jobid, s.position)):
        waiting[(one.jobid, one.number)].append(one)
    matched: list[tuple[ReportedSms, ReportRow]] = []
    unmatched: list[UnmatchedRow] = []
    ordinals: dict[str, int] = defaultdict(int)
    for row in rows:
        ordinals[row.jobid] += 1
        candidates = waiting.get((row.jobid, row.number))
        if candidates:
            matched.append((candidates.pop(0), row))
        else:
            unmatched.append(UnmatchedRow(row.jobid, ordinals[row.jobid], row.status))
    return matched, unmatched


@dataclass(frozen=True)
class RecordUnmatchedReport:
    """Record a report row no SMS was found for (once per job, place and status)."""

    row: UnmatchedRow


def report_stream(jobid: str) -> str:
    """Returns the stream of a provider job's unmatched report rows."""
    return f"sms-report:{jobid}"


def _decide(command: RecordUnmatchedReport, seen: frozenset[tuple[int, int]]) -> Sequence[EventPayload]:
    row = command.row
    if (row.ordinal, row.status) in seen:
        return []
    return [DeliveryReportUnmatched(jobid=row.jobid, ordinal=row.ordinal, status=row.status)]


def _evolve(seen: frozenset[tuple[int, int]], event: EventPayload) -> frozenset[tuple[int, int]]:
    if isinstance(event, DeliveryReportUnmatched):
        return seen | {(event.ordinal, event.status)}
    return seen


unmatched_reports: Decider[frozenset[tuple[int, int]], RecordUnmatchedReport] = Decider(
    name="sms-report",
    initial=lambda _stream: frozenset(),
    evolve=_evolve,
    decide=_decide,
    events=EventTypes([DeliveryReportUnmatched]),
)
