"""The notifier's read models (rebuildable from its log): the SMS outbox and the provider jobs the
dispatcher works from."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import ClassVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from acikkapi_shared.events.envelope import EventEnvelope
from acikkapi_shared.events.notifier import SmsAccepted, SmsDelivered, SmsDeliveryFailed, SmsFailed
from acikkapi_shared.eventstore.projection import (
    SET_NULL,
    Insert,
    TableProjector,
    Update,
    Write,
    WriteRule,
    on,
)
from acikkapi_shared.eventstore.schema import UtcDateTime
from notifier.domain.delivery import is_final
from notifier.domain.events import (
    SmsClaimed,
    SmsJobAccepted,
    SmsJobAttemptFailed,
    SmsJobFailed,
    SmsJobLeased,
    SmsJobPlanned,
    SmsJobSplit,
    SmsRedriven,
    SmsReleased,
    SmsRequested,
)

metadata = sa.MetaData()

# One row per intent. status: PENDING (waiting for a job, or in one: job_id), ACCEPTED, FAILED;
# report: what the provider's delivery report said of an accepted SMS (DELIVERED, UNDELIVERED), or
# NULL while it is still to be asked.
sms_outbox = sa.Table(
    "sms_outbox",
    metadata,
    sa.Column("request_event_id", sa.String(36), primary_key=True),
    sa.Column("application_number", sa.String(40), nullable=False),
    sa.Column("phone", sa.String(20), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("status", sa.String(12), nullable=False),
    sa.Column("job_id", sa.String(36), nullable=True),  # the job that holds it, or last held it
    # Released from a job split because a message of it was refused: planned in a job of its own.
    sa.Column("alone", sa.Boolean, nullable=False),
    sa.Column("requested_at", UtcDateTime, nullable=False),
    sa.Column("provider_message_id", sa.String(100), nullable=True),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("failed_at", UtcDateTime, nullable=True),
    sa.Column("template", sa.String(40), nullable=True),
    # The upstream event the SMS tells of (NULL for intents older than triggers): its delivery report
    # names it, so intake shows the report under the stage the SMS was sent for.
    sa.Column("trigger_event_id", sa.String(64), nullable=True),
    # Held until quiet hours end: not planned into a job before this moment.
    sa.Column("not_before", UtcDateTime, nullable=True),
    sa.Column("accepted_at", UtcDateTime, nullable=True),
    sa.Column("report", sa.String(12), nullable=True),
    sa.Index("ix_sms_outbox_unplanned", "status", "job_id", "requested_at"),
    sa.Index("ix_sms_outbox_job", "job_id"),
    sa.Index("ix_sms_outbox_unreported", "status", "report", "accepted_at"),
)

# One row per provider job. status: PLANNED (next_attempt_at), SENDING (leased), ACCEPTED, FAILED, SPLIT.
sms_jobs = sa.Table(
    "sms_jobs",
    metadata,
    sa.Column("job_id", sa.String(36), primary_key=True),
    sa.Column("status", sa.String(12), nullable=False),
    sa.Column("members", sa.Integer, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("planned_at", UtcDateTime, nullable=False),
    sa.Column("next_attempt_at", UtcDateTime, nullable=False),
    sa.Column("lease_owner", sa.String(200), nullable=True),
    sa.Column("lease_until", UtcDateTime, nullable=True),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Index("ix_sms_jobs_due", "status", "next_attempt_at"),
)

_NO_LEASE = {"lease_owner": SET_NULL, "lease_until": SET_NULL}


def requested(intent: SmsRequested, event: EventEnvelope) -> list[Write]:
    """Returns the new outbox row of an SMS intent, waiting for a job."""
    return [
        Insert(
            sms_outbox,
            {
                "request_event_id": str(event.event_id),
                "application_number": intent.application_number,
                "phone": intent.phone,
                "text": intent.text,
                "status": "PENDING",
                "job_id": None,
                "alone": False,
                "requested_at": event.occurred_at,
                "provider_message_id": None,
                "last_error": None,
                "failed_at": None,
                "template": intent.template,
                "trigger_event_id": intent.trigger_event_id,
                "not_before": intent.not_before,
                "accepted_at": None,
                "report": None,
            },
        )
    ]


def claimed(claim: SmsClaimed, event: EventEnvelope) -> list[Write]:
    """Returns the intent marked as held by its job."""
    return [Update(sms_outbox, "request_event_id", claim.request_event_id, {"job_id": claim.job_id})]


def released(release: SmsReleased, event: EventEnvelope) -> list[Write]:
    """Returns the intent waiting for a job of its own again."""
    values = {"job_id": SET_NULL, "alone": True, "last_error": release.code}
    return [Update(sms_outbox, "request_event_id", release.request_event_id, values)]


def accepted(outcome: SmsAccepted, event: EventEnvelope) -> list[Write]:
    """Returns the SMS marked accepted by the provider."""
    values = {
        "status": "ACCEPTED",
        "provider_message_id": outcome.provider_message_id,
        "accepted_at": event.occurred_at,
    }
    return [Update(sms_outbox, "request_event_id", outcome.request_event_id, values)]


def failed(outcome: SmsFailed, event: EventEnvelope) -> list[Write]:
    """Returns the SMS marked failed for good (a legacy retryable failure only notes its error)."""
    values: dict[str, object] = {"last_error": f"{outcome.code}: {outcome.reason}"}
    if is_final(outcome):
        values.update(status="FAILED", failed_at=event.occurred_at)
    return [Update(sms_outbox, "request_event_id", outcome.request_event_id, values)]


def redriven(redrive: SmsRedriven, event: EventEnvelope) -> list[Write]:
    """Returns the failed SMS waiting for a new job."""
    values = {"status": "PENDING", "job_id": SET_NULL, "failed_at": SET_NULL}
    return [Update(sms_outbox, "request_event_id", redrive.request_event_id, values)]


def delivery_reported(report: SmsDelivered | SmsDeliveryFailed, event: EventEnvelope) -> list[Write]:
    """Returns the SMS marked with what its delivery report said (no more asking for it)."""
    values = {"report": "DELIVERED" if isinstance(report, SmsDelivered) else "UNDELIVERED"}
    return [Update(sms_outbox, "request_event_id", report.request_event_id, values)]


def job_planned(plan: SmsJobPlanned, event: EventEnvelope) -> list[Write]:
    """Returns the new job, due at once."""
    values = {
        "job_id": plan.job_id,
        "status": "PLANNED",
        "members": len(plan.members),
        "attempts": 0,
        "planned_at": plan.planned_at,
        "next_attempt_at": plan.planned_at,
        "lease_owner": None,
        "lease_until": None,
        "last_error": None,
    }
    return [Insert(sms_jobs, values)]


def job_leased(lease: SmsJobLeased, event: EventEnvelope) -> list[Write]:
    """Returns the job being sent by the lease's holder."""
    values = {
        "status": "SENDING",
        "attempts": lease.attempt,
        "lease_owner": lease.instance_id,
        "lease_until": lease.lease_until,
    }
    return [Update(sms_jobs, "job_id", lease.job_id, values)]


def job_attempt_failed(failure: SmsJobAttemptFailed, event: EventEnvelope) -> list[Write]:
    """Returns the job planned again for its next attempt."""
    values = {
        "status": "PLANNED",
        "next_attempt_at": failure.next_attempt_at,
        "last_error": f"{failure.code}: {failure.reason}",
        **_NO_LEASE,
    }
    return [Update(sms_jobs, "job_id", failure.job_id, values)]


def job_accepted(outcome: SmsJobAccepted, event: EventEnvelope) -> list[Write]:
    """Returns the job accepted by the provider."""
    return [Update(sms_jobs, "job_id", outcome.job_id, {"status": "ACCEPTED", **_NO_LEASE})]


def job_ended(outcome: SmsJobFailed | SmsJobSplit, event: EventEnvelope) -> list[Write]:
    """Returns the job given up (FAILED) or split into jobs of one (SPLIT)."""
    status = "FAILED" if isinstance(outcome, SmsJobFailed) else "SPLIT"
    values = {"status": status, "last_error": f"{outcome.code}: {outcome.reason}", **_NO_LEASE}
    return [Update(sms_jobs, "job_id", outcome.job_id, values)]


class NotifierProjector(TableProjector):
    """The SMS outbox and the provider jobs the dispatcher works from."""

    # 2: jobs (sms_jobs, sms_outbox.job_id); retries no longer on the outbox. 3: quiet hours
    # (not_before) and delivery reports (template, accepted_at, report). 4: the SMS's trigger, which
    # its delivery report names.
    VERSION = "4"
    metadata: ClassVar[sa.MetaData] = metadata
    rules: ClassVar[dict[str, WriteRule]] = dict(
        [
            on(SmsRequested, requested),
            on(SmsClaimed, claimed),
            on(SmsReleased, released),
            on(SmsAccepted, accepted),
            on(SmsFailed, failed),
            on(SmsRedriven, redriven),
            on(SmsDelivered, delivery_reported),
            on(SmsDeliveryFailed, delivery_reported),
            on(SmsJobPlanned, job_planned),
            on(SmsJobLeased, job_leased),
            on(SmsJobAttemptFailed, job_attempt_failed),
            on(SmsJobAccepted, job_accepted),
            on(SmsJobFailed, job_ended),
            on(SmsJobSplit, job_ended),
        ]
    )


Row = sa.Row[tuple[object, ...]]


async def unplanned_intents(connection: AsyncConnection, limit: int, now: datetime) -> list[Row]:
    """Returns intents waiting for a job and not held beyond now (quiet hours), oldest first."""
    outbox = sms_outbox.c
    query = (
        sa.select(outbox.request_event_id, outbox.application_number, outbox.alone)
        .where(
            outbox.status == "PENDING",
            outbox.job_id.is_(None),
            sa.or_(outbox.not_before.is_(None), outbox.not_before <= now),
        )
        .order_by(sms_outbox.c.requested_at, sms_outbox.c.request_event_id)
        .limit(limit)
    )
    return list(await connection.execute(query))


async def due_jobs(connection: AsyncConnection, now: datetime, instance_id: str, limit: int) -> list[str]:
    """Returns the ids of jobs this instance may lease now: due, or leased by nobody alive (an expired
    lease, or this instance's own before it restarted), longest waiting first."""
    jobs = sms_jobs.c
    query = (
        sa.select(jobs.job_id)
        .where(
            sa.or_(
                sa.and_(jobs.status == "PLANNED", jobs.next_attempt_at <= now),
                sa.and_(
                    jobs.status == "SENDING",
                    sa.or_(jobs.lease_until <= now, jobs.lease_owner == instance_id),
                ),
            )
        )
        .order_by(jobs.next_attempt_at, jobs.job_id)
        .limit(limit)
    )
    return [str(row.job_id) for row in await connection.execute(query)]


async def messages_of(connection: AsyncConnection, request_event_ids: Sequence[str]) -> dict[str, Row]:
    """Returns the outbox rows (phone, text) of these intents, by intent id."""
    query = sa.select(sms_outbox).where(sms_outbox.c.request_event_id.in_(list(request_event_ids)))
    return {str(row.request_event_id): row for row in await connection.execute(query)}


async def failed_intents(
    connection: AsyncConnection, *, since: datetime | None, ids: Sequence[str] | None, limit: int
) -> list[Row]:
    """Returns intents failed for good, failed at or after since and/or among ids, oldest first."""
    query = sa.select(sms_outbox.c.request_event_id, sms_outbox.c.application_number).where(
        sms_outbox.c.status == "FAILED"
    )
    if since is not None:
        query = query.where(sms_outbox.c.failed_at >= since)
    if ids is not None:
        query = query.where(sms_outbox.c.request_event_id.in_(list(ids)))
    query = query.order_by(sms_outbox.c.failed_at, sms_outbox.c.request_event_id).limit(limit)
    return list(await connection.execute(query))


# Built once: the dispatcher reads it every round (its cache key is then computed once, too).
_PENDING_COUNT = sa.select(sa.func.count()).select_from(sms_outbox).where(sms_outbox.c.status == "PENDING")


async def pending_count(connection: AsyncConnection) -> int:
    """Returns how many SMS are still to be accepted by the provider (waiting for a job or in one)."""
    return int((await connection.execute(_PENDING_COUNT)).scalar() or 0)


async def awaiting_report(connection: AsyncConnection, *, since: datetime, limit: int) -> list[Row]:
    """Returns the jobs (job_id, accepted_at) of SMS accepted since a moment whose delivery report is
    still to be recorded, oldest first."""
    outbox = sms_outbox.c
    query = (
        sa.select(outbox.job_id, outbox.accepted_at)
        .where(
            outbox.status == "ACCEPTED",
            outbox.report.is_(None),
            outbox.accepted_at >= since,
            outbox.provider_message_id.is_not(None),
        )
        .order_by(outbox.accepted_at, outbox.request_event_id)
        .limit(limit)
    )
    return list(await connection.execute(query))


async def accepted_of_jobs(connection: AsyncConnection, job_ids: Sequence[str]) -> list[Row]:
    """Returns every accepted SMS of these jobs (those already reported included), with what the
    delivery report poller matches them by."""
    outbox = sms_outbox.c
    query = sa.select(
        outbox.job_id,
        outbox.request_event_id,
        outbox.application_number,
        outbox.provider_message_id,
        outbox.phone,
        outbox.template,
        outbox.trigger_event_id,
        outbox.report,
    ).where(outbox.job_id.in_(list(job_ids)), outbox.status == "ACCEPTED")
    return list(await connection.execute(query))
