"""Sends recorded SMS intents through the provider and records each outcome as an event.

The intent (SmsRequested) is committed before the provider is called and its event id is the
idempotency key, so a crash between the call and the outcome only leads to a re-send with the same key.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import structlog
from acikkapi_shared.events.notifier import SmsAccepted, SmsFailed
from acikkapi_shared.eventstore.errors import ConcurrencyConflict
from acikkapi_shared.observability import metrics
from acikkapi_shared.runtime import ServiceRuntime

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
        batch_size: int = 100,
        concurrency: int = 32,
        idle_poll: float = 0.5,
    ) -> None:
        self._runtime = runtime
        self._provider = provider
        self._batch_size = batch_size
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
        outcomes = await asyncio.gather(*(self._send(row) for row in rows))
        try:
            await self._record(rows, outcomes)
        except ConcurrencyConflict:
            # Another dispatcher recorded some of these attempts first: keep the others' outcomes.
            for row, outcome in zip(rows, outcomes, strict=True):
                with contextlib.suppress(ConcurrencyConflict):
                    await self._record([row], [outcome])
        return len(rows)

    async def _send(self, row: Any) -> SmsAccepted | SmsFailed:
        attempt = int(row.attempts) + 1
        message = SmsMessage(idempotency_key=row.request_event_id, phone_e164=row.phone, text=row.text)
        async with self._limit:
            try:
                accepted = await self._provider.send(message)
            except SmsRejected as rejected:
                metrics.SMS_SENT.labels("failed").inc()
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
        metrics.SMS_SENT.labels("accepted").inc()
        return SmsAccepted(
            application_number=row.application_number,
            request_event_id=row.request_event_id,
            provider_message_id=accepted.provider_message_id,
            attempt=attempt,
        )

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
