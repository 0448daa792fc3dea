"""The notifier's read model (rebuildable from its log): the SMS outbox the dispatcher works from."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from acikkapi_shared.events.envelope import EventEnvelope
from acikkapi_shared.events.notifier import SmsAccepted, SmsFailed
from acikkapi_shared.eventstore.projection import Insert, TableProjector, Update, Write, WriteRule, on
from acikkapi_shared.eventstore.schema import UtcDateTime
from notifier.domain.events import SmsRequested

MAX_ATTEMPTS = 8
metadata = sa.MetaData()

sms_outbox = sa.Table(
    "sms_outbox",
    metadata,
    sa.Column("request_event_id", sa.String(36), primary_key=True),
    sa.Column("application_number", sa.String(40), nullable=False),
    sa.Column("phone", sa.String(20), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("status", sa.String(12), nullable=False),  # PENDING, ACCEPTED, FAILED
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", UtcDateTime, nullable=False),
    sa.Column("provider_message_id", sa.String(100), nullable=True),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Index("ix_sms_outbox_due", "status", "next_attempt_at"),
)


def retry_delay(attempt: int) -> timedelta:
    """Returns how long to wait before the next attempt: 2, 4, 8 … seconds, at most 10 minutes."""
    return timedelta(seconds=min(2**attempt, 600))


def _outcome(request_event_id: str, **values: Any) -> Update:
    # Every outcome sets the same columns, so outcomes of a batch run as one statement (None keeps).
    columns = {
        "status": None,
        "attempts": None,
        "provider_message_id": None,
        "last_error": None,
        "next_attempt_at": None,
    }
    return Update(sms_outbox, "request_event_id", request_event_id, {**columns, **values})


def requested(intent: SmsRequested, event: EventEnvelope) -> list[Write]:
    """Returns the new outbox row of an SMS intent, due now."""
    return [
        Insert(
            sms_outbox,
            {
                "request_event_id": str(event.event_id),
                "application_number": intent.application_number,
                "phone": intent.phone,
                "text": intent.text,
                "status": "PENDING",
                "attempts": 0,
                "next_attempt_at": event.occurred_at,
                "provider_message_id": None,
                "last_error": None,
            },
        )
    ]


def accepted(outcome: SmsAccepted, event: EventEnvelope) -> list[Write]:
    """Returns the SMS marked accepted by the provider."""
    return [
        _outcome(
            outcome.request_event_id,
            status="ACCEPTED",
            attempts=outcome.attempt,
            provider_message_id=outcome.provider_message_id,
        )
    ]


def failed(outcome: SmsFailed, event: EventEnvelope) -> list[Write]:
    """Returns the next attempt's schedule, or FAILED when the failure is final or attempts are used up."""
    gives_up = not outcome.retryable or outcome.attempt >= MAX_ATTEMPTS
    return [
        _outcome(
            outcome.request_event_id,
            status="FAILED" if gives_up else "PENDING",
            attempts=outcome.attempt,
            last_error=f"{outcome.code}: {outcome.reason}",
            next_attempt_at=event.occurred_at + retry_delay(outcome.attempt),
        )
    ]


class NotifierProjector(TableProjector):
    """The SMS outbox the dispatcher works from."""

    metadata: ClassVar[sa.MetaData] = metadata
    rules: ClassVar[dict[str, WriteRule]] = dict(
        [on(SmsRequested, requested), on(SmsAccepted, accepted), on(SmsFailed, failed)]
    )


async def due_messages(
    connection: AsyncConnection, now: datetime, limit: int
) -> list[sa.Row[tuple[object, ...]]]:
    """Returns pending SMS whose next attempt is due, oldest first."""
    query = (
        sa.select(sms_outbox)
        .where(sms_outbox.c.status == "PENDING", sms_outbox.c.next_attempt_at <= now)
        .order_by(sms_outbox.c.next_attempt_at)
        .limit(limit)
    )
    return list(await connection.execute(query))


async def pending_count(connection: AsyncConnection) -> int:
    """Returns how many SMS are still to be handed to the provider (due now or later)."""
    query = sa.select(sa.func.count()).select_from(sms_outbox).where(sms_outbox.c.status == "PENDING")
    return int((await connection.execute(query)).scalar() or 0)
