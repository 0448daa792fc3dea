"""A provider job: the unit of sending and of retry, planned once and always resent the same.

Its stream is "sms-job:<job id>" and the job id is the provider-side idempotency key, so every
attempt carries the same members in the same order under the same key. Before each attempt an
instance takes a lease (appended at the folded version, so only one instance wins); another may
take the job over only once the lease has expired. States:

    PLANNED ──lease──► SENDING ──accepted──► ACCEPTED
       ▲                  │ ──refused for good (one member) or a day of transient failures──► FAILED
       └── transient or ◄─┘ ──a message refused for good (several members)──► SPLIT
           account refusal       (the members are planned again, each alone)
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

from acikkapi_shared.decider import Decider
from acikkapi_shared.events.base import EventPayload, EventTypes
from notifier.domain.delivery import DeliveryCommand, RecordSmsAccepted, RecordSmsFailed, ReleaseSms
from notifier.domain.events import (
    JobMember,
    SmsJobAccepted,
    SmsJobAttemptFailed,
    SmsJobFailed,
    SmsJobLeased,
    SmsJobPlanned,
    SmsJobSplit,
)

JobStatus = Literal["NEW", "PLANNED", "SENDING", "ACCEPTED", "FAILED", "SPLIT"]
# transient: the provider or the way to it failed, or the answer was lost (the job may have been
# sent); account: the provider refuses the account (credentials, IP allow-list, sender header), not
# the message; message: the provider refuses a message for good (malformed text, invalid number).
FailureKind = Literal["transient", "account", "message"]
TERMINAL: frozenset[JobStatus] = frozenset({"ACCEPTED", "FAILED", "SPLIT"})

RETRY_FOR = timedelta(hours=24)
FIRST_RETRY = timedelta(seconds=5)
MOST_RETRY = timedelta(minutes=10)


def job_stream(job_id: str) -> str:
    """Returns the stream of a provider job."""
    return f"sms-job:{job_id}"


def retry_delay(job_id: str, failures: int) -> timedelta:
    """Returns the wait after the job's n-th transient failure: 5 s doubling, at most 10 min, each
    between half and all of that.

    The jitter is drawn from the job id and n, not from a random source, so jobs that failed
    together spread out while the decision stays a pure function (the same on every replay).
    """
    nominal: timedelta = min(FIRST_RETRY * 2 ** min(failures - 1, 16), MOST_RETRY)
    draw = int.from_bytes(hashlib.sha256(f"{job_id}:{failures}".encode()).digest()[:8], "big") / 2**64
    delay: timedelta = nominal * (0.5 + 0.5 * draw)
    return delay


@dataclass(frozen=True)
class PlanJob:
    """Plan a job of these claimed members (no effect on a job already planned)."""

    job_id: str
    members: tuple[JobMember, ...]
    at: datetime


@dataclass(frozen=True)
class LeaseJob:
    """Take the next attempt of the job, if it is due and no other instance holds a live lease."""

    instance_id: str
    now: datetime
    lease_until: datetime


@dataclass(frozen=True)
class RecordJobAccepted:
    """The provider accepted an attempt of the job."""

    attempt: int
    provider_message_ids: tuple[str, ...]


@dataclass(frozen=True)
class RecordJobRefused:
    """An attempt of the job was not accepted."""

    attempt: int
    kind: FailureKind
    code: str
    reason: str
    now: datetime


JobCommand = PlanJob | LeaseJob | RecordJobAccepted | RecordJobRefused


@dataclass(frozen=True)
class Job:
    """What one provider job is at."""

    stream_id: str
    job_id: str = ""
    members: tuple[JobMember, ...] = ()
    status: JobStatus = "NEW"
    attempt: int = 0
    lease_owner: str | None = None
    lease_until: datetime | None = None
    next_attempt_at: datetime | None = None
    transient_failures: int = 0
    first_failure_at: datetime | None = None


def _may_lease(command: LeaseJob, state: Job) -> bool:
    if state.status == "PLANNED":
        return state.next_attempt_at is None or state.next_attempt_at <= command.now
    if state.status == "SENDING":
        # Its own lease: this instance was restarted while sending (instance ids are unique among
        # running instances), so nobody else can be sending it.
        expired = state.lease_until is not None and state.lease_until <= command.now
        return expired or state.lease_owner == command.instance_id
    return False


def _refused(command: RecordJobRefused, state: Job) -> EventPayload:
    job_id, attempt, code, reason = state.job_id, command.attempt, command.code, command.reason
    if command.kind == "message":
        if len(state.members) > 1:
            return SmsJobSplit(job_id=job_id, attempt=attempt, code=code, reason=reason)
        return SmsJobFailed(job_id=job_id, attempt=attempt, code=code, reason=reason)
    next_attempt_at = command.now  # an account refusal: the dispatcher's pause decides when
    if command.kind == "transient":
        if command.now - (state.first_failure_at or command.now) >= RETRY_FOR:
            reason = f"transient failures for {RETRY_FOR}, the last: {reason}"
            return SmsJobFailed(job_id=job_id, attempt=attempt, code=code, reason=reason)
        next_attempt_at += retry_delay(job_id, state.transient_failures + 1)
    return SmsJobAttemptFailed(
        job_id=job_id,
        attempt=attempt,
        kind=command.kind,
        code=code,
        reason=reason,
        failed_at=command.now,
        next_attempt_at=next_attempt_at,
    )


def _decide(command: JobCommand, state: Job) -> Sequence[EventPayload]:
    if isinstance(command, PlanJob):
        if state.status != "NEW" or not command.members:
            return []
        return [SmsJobPlanned(job_id=command.job_id, members=list(command.members), planned_at=command.at)]
    if state.status in TERMINAL or state.status == "NEW":
        return []
    if isinstance(command, LeaseJob):
        if not _may_lease(command, state):
            return []
        return [
            SmsJobLeased(
                job_id=state.job_id,
                attempt=state.attempt + 1,
                instance_id=command.instance_id,
                lease_until=command.lease_until,
            )
        ]
    if isinstance(command, RecordJobAccepted):
        # Accepted is a fact whichever attempt it answers (one taken over after its lease expired
        # included): the job was sent.
        return [
            SmsJobAccepted(
                job_id=state.job_id,
                attempt=command.attempt,
                provider_message_ids=list(command.provider_message_ids),
            )
        ]
    if state.status != "SENDING" or command.attempt != state.attempt:
        return []  # a late failure of an attempt another instance has since taken over
    return [_refused(command, state)]


def _evolve(state: Job, event: EventPayload) -> Job:
    if isinstance(event, SmsJobPlanned):
        return replace(
            state,
            job_id=event.job_id,
            members=tuple(event.members),
            status="PLANNED",
            next_attempt_at=event.planned_at,
        )
    if isinstance(event, SmsJobLeased):
        return replace(
            state,
            status="SENDING",
            attempt=event.attempt,
            lease_owner=event.instance_id,
            lease_until=event.lease_until,
        )
    if isinstance(event, SmsJobAttemptFailed):
        transient = event.kind == "transient"
        return replace(
            state,
            status="PLANNED",
            lease_owner=None,
            lease_until=None,
            next_attempt_at=event.next_attempt_at,
            transient_failures=state.transient_failures + transient,
            first_failure_at=state.first_failure_at or (event.failed_at if transient else None),
        )
    if isinstance(event, SmsJobAccepted):
        return replace(state, status="ACCEPTED", lease_owner=None, lease_until=None)
    if isinstance(event, SmsJobFailed):
        return replace(state, status="FAILED", lease_owner=None, lease_until=None)
    if isinstance(event, SmsJobSplit):
        return replace(state, status="SPLIT", lease_owner=None, lease_until=None)
    return state


def member_commands(job: Job, event: EventPayload) -> list[DeliveryCommand]:
    """Returns what a job's outcome does to each member's delivery (recorded in the same transaction)."""
    commands: list[DeliveryCommand] = []
    for index, member in enumerate(job.members):
        ids = (member.application_number, member.request_event_id, job.job_id)
        if isinstance(event, SmsJobAccepted):
            commands.append(RecordSmsAccepted(*ids, event.provider_message_ids[index], event.attempt))
        elif isinstance(event, SmsJobFailed):
            commands.append(RecordSmsFailed(*ids, event.code, event.reason, event.attempt))
        elif isinstance(event, SmsJobSplit):
            commands.append(ReleaseSms(*ids, event.code))
    return commands


jobs: Decider[Job, JobCommand] = Decider(
    name="sms-job",
    initial=lambda stream_id: Job(stream_id=stream_id),
    evolve=_evolve,
    decide=_decide,
    events=EventTypes(
        [SmsJobPlanned, SmsJobLeased, SmsJobAttemptFailed, SmsJobAccepted, SmsJobFailed, SmsJobSplit]
    ),
)
