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

from acikkapi_shared.events.notifier import SmsAccepted, SmsFailed
from acikkapi_shared.eventstore.errors import ConcurrencyConflict
from acikkapi_shared.observability import metrics
from acikkapi_shared.runtime import ServiceRuntime
from notifier.adapters.sms import SmsAccepted as ProviderAcceptance
from notifier.adapters.sms import SmsMessage, SmsProvider, SmsRejected
from notifier.projections import due_messages

log = structlog.get_logger(__name__)


class SmsDispatcher:
    """Works through the SMS outbox: concurrent provider calls, outcomes appended in one transaction."""

    def __init__(
        self,
        runtime: ServiceRuntime,
        provider: SmsProvider,
        *,
        batch_size: int = 200,
        job_size: int = 50,
        concurrency: int = 8,
        idle_poll: float = 0.5,
    ) -> None:
        self._runtime = runtime
        self._provider = provider
        self._batch_size = batch_size
        self._job_size = job_size
        self._limit = asyncio.Semaphore(concurrency)
        self._idle_poll = idle_poll
        self._wakeup = asyncio.Event()

    def notify(self) -> None:
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
        async with self._runtime.engine.connect() as connection:
            rows = await due_messages(connection, self._runtime.clock.now(), self._batch_size)
            await connection.rollback()
        if not rows:
            return 0
        jobs = [rows[start : start + self._job_size] for start in range(0, len(rows), self._job_size)]
        outcomes = [outcome for job in await asyncio.gather(*map(self._send_job, jobs)) for outcome in job]
        try:
            await self._record(rows, outcomes)
        except ConcurrencyConflict:
            # Another dispatcher recorded some of these attempts first: keep the others' outcomes.
            for row, outcome in zip(rows, outcomes, strict=True):
                with contextlib.suppress(ConcurrencyConflict):
                    await self._record([row], [outcome])
        return len(rows)

    async def _send_job(self, rows: list[Any]) -> list[SmsAccepted | SmsFailed]:
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
        metrics.SMS_SENT.labels("accepted").inc(len(rows))
        return [_accepted(row, acceptance) for row, acceptance in zip(rows, accepted, strict=True)]

    async def _send_one(self, row: Any) -> SmsAccepted | SmsFailed:
        async with self._limit:
            try:
                acceptance = await self._provider.send(_message(row))
            except SmsRejected as rejected:
                return _failed(row, rejected)
        metrics.SMS_SENT.labels("accepted").inc()
        return _accepted(row, acceptance)

    async def _record(self, rows: list[Any], outcomes: list[SmsAccepted | SmsFailed]) -> None:
        # Each SMS's attempts form a stream of their own, "sms:<intent event id>", whose version is the
        # number of attempts recorded, so no read is needed to append the next outcome.
        async with self._runtime.unit_of_work() as work:
            now = work.clock.now()
            for row, outcome in zip(rows, outcomes, strict=True):
                cause = row.request_event_id
                event = outcome.as_event(
                    correlation_id=row.application_number, causation_id=cause, occurred_at=now
                )
                await work.append(f"sms:{cause}", int(row.attempts), [event])


def _message(row: Any) -> SmsMessage:
    return SmsMessage(idempotency_key=row.request_event_id, phone_e164=row.phone, text=row.text)


def _accepted(row: Any, acceptance: ProviderAcceptance) -> SmsAccepted:
    return SmsAccepted(
        application_number=row.application_number,
        request_event_id=row.request_event_id,
        provider_message_id=acceptance.provider_message_id,
        attempt=int(row.attempts) + 1,
    )


def _failed(row: Any, rejected: SmsRejected) -> SmsFailed:
    metrics.SMS_SENT.labels("failed").inc()
    attempt = int(row.attempts) + 1
    log.warning(
        "sms_rejected",
        application_number=row.application_number,
        code=rejected.code,
        retryable=rejected.retryable,
        attempt=attempt,
    )
    return SmsFailed(
        application_number=row.application_number,
        request_event_id=row.request_event_id,
        code=rejected.code,
        reason=rejected.reason,
        retryable=rejected.retryable,
        attempt=attempt,
    )
