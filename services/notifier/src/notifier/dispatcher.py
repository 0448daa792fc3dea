"""Sends recorded SMS intents through the provider and records each outcome as an event.

The intent (SmsRequested) is committed before the provider is called and its event id is the
idempotency key, so a crash between the call and the outcome only leads to a re-send with the same key.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from acikkapi_shared.clock import Clock
from acikkapi_shared.commands import CommandContext
from acikkapi_shared.faults import crash_point
from acikkapi_shared.gateway import CommandGateway, GatewayCommand
from notifier import metrics
from notifier.adapters.sms import SmsAccepted as ProviderAcceptance
from notifier.adapters.sms import SmsMessage, SmsProvider, SmsRejected
from notifier.domain.delivery import RecordSmsAttempt, deliveries, delivery_stream
from notifier.projections import due_messages, pending_count

log = structlog.get_logger(__name__)


class SmsDispatcher:
    """Works through the SMS outbox: concurrent provider calls, outcomes appended in one transaction."""

    def __init__(
        self,
        *,
        engine: AsyncEngine,
        gateway: CommandGateway,
        clock: Clock,
        provider: SmsProvider,
        batch_size: int = 200,
        job_size: int = 50,
        concurrency: int = 8,
        idle_poll: float = 0.5,
    ) -> None:
        self._engine = engine
        self._gateway = gateway
        self._clock = clock
        self._provider = provider
        self._batch_size = batch_size
        self._job_size = job_size
        self._limit = asyncio.Semaphore(concurrency)
        self._idle_poll = idle_poll
        self._wakeup = asyncio.Event()

    def notify(self, _events: object = None) -> None:
        """Tells the dispatcher new intents may be committed."""
        self._wakeup.set()

    async def run(self) -> None:
        """Dispatches until cancelled; failures are logged and retried."""
        while True:
            self._wakeup.clear()
            try:
                sent = await self.dispatch_due()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("sms_dispatch_failed")
                sent = 0
                await asyncio.sleep(1.0)
            if sent == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wakeup.wait(), timeout=self._idle_poll)

    async def dispatch_due(self) -> int:
        """Sends one batch of due SMS and records the outcomes; returns how many were sent."""
        async with self._engine.connect() as connection:
            rows = await due_messages(connection, self._clock.now(), self._batch_size)
            metrics.SMS_PENDING.set(await pending_count(connection))
            await connection.rollback()
        if not rows:
            return 0
        jobs = [rows[start : start + self._job_size] for start in range(0, len(rows), self._job_size)]
        outcomes = [outcome for job in await asyncio.gather(*map(self._send_job, jobs)) for outcome in job]
        crash_point("notifier.after_provider_before_outcome")
        await self._record(rows, outcomes)
        return len(rows)

    async def _send_job(self, rows: list[Any]) -> list[RecordSmsAttempt]:
        """Sends rows as one provider job; a job refused for good is retried message by message."""
        if len(rows) == 1:
            return [await self._send_one(rows[0])]
        messages = [_message(row) for row in rows]
        # The same rows give the same key, so a job resent after a lost answer is recognised.
        key = hashlib.sha256("|".join(sorted(m.idempotency_key for m in messages)).encode()).hexdigest()
        async with self._limit:
            try:
                accepted = await self._provider.send_batch(messages, idempotency_key=key)
            except SmsRejected as rejected:
                if rejected.retryable:
                    return [_failed(row, rejected) for row in rows]
                accepted = None
        if accepted is None:
            return [await self._send_one(row) for row in rows]
        return [_accepted(row, acceptance) for row, acceptance in zip(rows, accepted, strict=True)]

    async def _send_one(self, row: Any) -> RecordSmsAttempt:
        async with self._limit:
            try:
                acceptance = await self._provider.send(_message(row))
            except SmsRejected as rejected:
                return _failed(row, rejected)
        return _accepted(row, acceptance)

    async def _record(self, rows: list[Any], outcomes: list[RecordSmsAttempt]) -> None:
        # Each SMS's attempts form a stream of their own, "sms:<intent event id>"; the attempt's key
        # makes a second dispatcher's record of the same attempt a replay, not a second event.
        now = self._clock.now()
        requests = [
            GatewayCommand(
                deliveries,
                delivery_stream(row.request_event_id),
                outcome,
                CommandContext(
                    occurred_at=now,
                    actor="timer:sms-dispatcher",
                    correlation_id=row.application_number,
                    causation_id=row.request_event_id,
                    idempotency_key=f"sms-attempt:{row.request_event_id}:{int(row.attempts) + 1}",
                ),
            )
            for row, outcome in zip(rows, outcomes, strict=True)
        ]
        await self._gateway.handle_all(requests, channel="timer")


def _message(row: Any) -> SmsMessage:
    return SmsMessage(idempotency_key=row.request_event_id, phone_e164=row.phone, text=row.text)


def _accepted(row: Any, acceptance: ProviderAcceptance) -> RecordSmsAttempt:
    return RecordSmsAttempt(
        application_number=row.application_number,
        request_event_id=row.request_event_id,
        provider_message_id=acceptance.provider_message_id,
    )


def _failed(row: Any, rejected: SmsRejected) -> RecordSmsAttempt:
    attempt = int(row.attempts) + 1
    log.warning(
        "sms_rejected",
        application_number=row.application_number,
        code=rejected.code,
        retryable=rejected.retryable,
        attempt=attempt,
    )
    return RecordSmsAttempt(
        application_number=row.application_number,
        request_event_id=row.request_event_id,
        code=rejected.code,
        reason=rejected.reason,
        retryable=rejected.retryable,
    )
