"""The notifier's read model (rebuildable from its log): the SMS outbox the dispatcher works from."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from acikkapi_shared.events.envelope import EventEnvelope
from acikkapi_shared.events.notifier import SmsAccepted, SmsFailed, SmsRequested
from acikkapi_shared.eventstore.schema import UtcDateTime
from acikkapi_shared.eventstore.unit_of_work import TableProjector
from sqlalchemy.ext.asyncio import AsyncConnection

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


class NotifierProjector(TableProjector):
    """Applies SMS intents and outcomes to the outbox."""

    metadata = metadata

    async def on_SmsRequested(self, connection: AsyncConnection, event: EventEnvelope) -> None:
        """Adds the SMS to the outbox, due now."""
        requested = SmsRequested.from_payload(event.payload)
        await connection.execute(
            sa.insert(sms_outbox).values(
                request_event_id=str(event.event_id),
                application_number=requested.application_number,
                phone=requested.phone,
                text=requested.text,
                status="PENDING",
                attempts=0,
                next_attempt_at=event.occurred_at,
            )
        )

    async def on_SmsAccepted(self, connection: AsyncConnection, event: EventEnvelope) -> None:
        """Marks the SMS accepted by the provider."""
        accepted = SmsAccepted.from_payload(event.payload)
        await self._update(
            connection,
            accepted.request_event_id,
            status="ACCEPTED",
            attempts=accepted.attempt,
            provider_message_id=accepted.provider_message_id,
        )

    async def on_SmsFailed(self, connection: AsyncConnection, event: EventEnvelope) -> None:
        """Schedules the next attempt, or gives up when the failure is final or attempts are used up."""
        failed = SmsFailed.from_payload(event.payload)
        gives_up = not failed.retryable or failed.attempt >= MAX_ATTEMPTS
        await self._update(
            connection,
            failed.request_event_id,
            status="FAILED" if gives_up else "PENDING",
            attempts=failed.attempt,
            last_error=f"{failed.code}: {failed.reason}",
            next_attempt_at=event.occurred_at + retry_delay(failed.attempt),
        )

    async def _update(self, connection: AsyncConnection, request_event_id: str, **values: object) -> None:
        await connection.execute(
            sa.update(sms_outbox).where(sms_outbox.c.request_event_id == request_event_id).values(**values)
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
