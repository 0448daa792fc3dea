"""A submission that cannot be registered: recorded once, with every problem and its Turkish message."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from acikkapi_shared.decider import Decider
from acikkapi_shared.events.base import EventPayload, EventTypes
from acikkapi_shared.events.intake import Problem, SubmissionRejected
from intake.domain.problems import ValidationProblem


@dataclass(frozen=True)
class RejectSubmission:
    """Record why a submission (with an id, or only a place in a topic) is not registered."""

    submission_id: str | None
    problems: tuple[ValidationProblem, ...]
    source: str
    received_at: datetime
    phone: str | None = None  # where to tell the applicant why (see SubmissionRejected)


def rejection_stream(submission_id: str | None, source: str) -> str:
    """Returns the stream of a submission's rejection: by its id, else by where it was read."""
    return f"submission:{submission_id}" if submission_id else f"record:{source}"


def _decide(command: RejectSubmission, rejected: bool) -> Sequence[EventPayload]:
    if rejected:
        return []
    return [
        SubmissionRejected(
            submission_id=command.submission_id,
            received_at=command.received_at,
            problems=[Problem(code=p.code, field=p.field, message_tr=p.message_tr) for p in command.problems],
            source=command.source,
            phone=command.phone,
        )
    ]


rejections: Decider[bool, RejectSubmission] = Decider(
    name="submission-rejection",
    initial=lambda _stream: False,
    evolve=lambda _rejected, _event: True,
    decide=_decide,
    events=EventTypes([SubmissionRejected]),
)
