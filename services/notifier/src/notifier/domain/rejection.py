"""A submission intake could not register: the applicant is told why by SMS, once, when intake found
a mobile number to tell them on (SubmissionRejected.phone; none when they hid their identity or
refused SMS).

A rejected submission has no application number: its SMS is on the stream "rejection:<submission
id>" and the submission id stands where an application number would (SmsRequested, the outbox, the
delivery events), which is also what the audit finds a rejection by. It is urgent like the
registered SMS: the answer to what the applicant has just sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from acikkapi_shared.decider import Decider
from acikkapi_shared.events.base import EventPayload, EventTypes
from notifier.domain import templates
from notifier.domain.encoding import analyse
from notifier.domain.events import SmsRequested
from notifier.domain.stage_messages import due_day

REJECTED_TEMPLATE = "rejected"


@dataclass(frozen=True)
class NotifyRejection:
    """Tell the applicant of a rejected submission why (no effect once told)."""

    submission_id: str
    phone: str
    received_at: datetime
    reasons: tuple[str, ...]  # the problems' Turkish messages, in form order
    trigger_event_id: str


def rejection_stream(submission_id: str) -> str:
    """Returns the stream of a rejected submission's SMS."""
    return f"rejection:{submission_id}"


def _decide(command: NotifyRejection, told: bool) -> Sequence[EventPayload]:
    if told:
        return []
    text = templates.rejected(received=due_day(command.received_at), reason=" ".join(command.reasons))
    encoding = analyse(text)
    return [
        SmsRequested(
            application_number=command.submission_id,
            template=REJECTED_TEMPLATE,
            phone=command.phone,
            text=text,
            encoding=encoding.encoding,
            segments=encoding.segments,
            trigger_event_id=command.trigger_event_id,
        )
    ]


rejections: Decider[bool, NotifyRejection] = Decider(
    name="rejection-sms",
    initial=lambda _stream: False,
    evolve=lambda told, event: told or isinstance(event, SmsRequested),
    decide=_decide,
    events=EventTypes([SmsRequested]),
)
