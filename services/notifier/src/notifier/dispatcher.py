"""Sends SMS intents as provider jobs: plan (claim) → lease → send → record, each step committed.

A round plans waiting intents into jobs of up to job_size (each intent's stream records the claim in
the same transaction as the job is planned), leases the due jobs, sends each one under its job id
as the idempotency key and records each job's outcome in a transaction of its own as soon as it is
answered. A recording that fails is retried, never the sending; a job is sent again only after a
failure was recorded, or after its lease expired with no outcome (the holder died or lost the
answer): the one window in which a provider without idempotency keys may deliver twice.

The provider refusing the account (credentials, IP allow-list, sender header) pauses all sending:
one job probes after 1, 2, 4, 8 and then every 10 minutes until it is accepted.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from acikkapi_shared.clock import Clock
from acikkapi_shared.commands import CommandContext, CommandRunner
from acikkapi_shared.events.base import EventPayload
from acikkapi_shared.faults import crash_point
from acikkapi_shared.gateway import CommandGateway
from acikkapi_shared.messaging.failures import describe
from acikkapi_shared.messaging.retry import Backoff
from notifier import metrics
from notifier.adapters.sms import SmsMessage, SmsProvider, SmsRejected
from notifier.domain.delivery import ClaimSms, deliveries, delivery_stream
from notifier.domain.events import JobMember
from notifier.domain.jobs import (
    FailureKind,
    Job,
    LeaseJob,
    PlanJob,
    RecordJobAccepted,
    RecordJobRefused,
    job_stream,
    jobs,
    member_commands,
)
from notifier.projections import Row, due_jobs, messages_of, pending_count, unplanned_intents

log = structlog.get_logger(__name__)

ACTOR = "timer:sms-dispatcher"
PAUSE_FIRST = timedelta(minutes=1)
PAUSE_MOST = timedelta(minutes=10)
JobOutcome = RecordJobAccepted | RecordJobRefused


@dataclass
class _Pause:
    """Sending is paused because the provider refuses the account; a probe may go at `until`."""

    code: str
    until: datetime
    probes: int = 0
    since: float = 0.0  # monotonic, for the log line when it ends


def failure_kind(rejected: SmsRejected) -> FailureKind:
    """Returns how a provider's refusal counts: the account's, a transient one, or the message's."""
    if rejected.account:
        return "account"
    return "transient" if rejected.retryable else "message"


class SmsDispatcher:
    """Works through the SMS outbox in rounds; one round at a time per instance."""

    def __init__(
        self,
        *,
        engine: AsyncEngine,
        gateway: CommandGateway,
        clock: Clock,
        provider: SmsProvider,
        instance_id: str,
        batch_size: int = 400,
        job_size: int = 50,
        concurrency: int = 8,
        send_timeout: float = 30.0,
        lease: timedelta = timedelta(seconds=60),
        idle_poll: float = 0.5,
        round_interval: float = 0.1,
        record_backoff: Backoff | None = None,
    ) -> None:
        if lease.total_seconds() < send_timeout + 10:
            raise ValueError("the lease must outlast a send (send_timeout) and its recording")
        self._engine = engine
        self._gateway = gateway
        self._clock = clock
        self._provider = provider
        self.instance_id = instance_id
        self._batch_size = batch_size
        self._job_size = job_size
        self._concurrency = concurrency
        self._send_timeout = send_timeout
        self._lease = lease
        self._idle_poll = idle_poll
        self._round_interval = round_interval
        self._record_backoff = record_backoff or Backoff(first=0.2, most=10.0)
        self._round = asyncio.Lock()
        self._in_flight: dict[str, asyncio.Task[None]] = {}
        self._wakeup = asyncio.Event()
        self._pause: _Pause | None = None

    @property
    def paused(self) -> bool:
        """Whether sending is paused because the provider refuses the account."""
        return self._pause is not None

    def notify(self, _events: object = None) -> None:
        """Tells the dispatcher new intents may be committed."""
        self._wakeup.set()

    async def run(self) -> None:
        """Dispatches until cancelled; failures are logged and retried.

        Rounds overlap: a round plans and leases while earlier jobs are still being sent (up to
        `concurrency` jobs in flight), so a new SMS never waits for the slowest job of a round.
        """
        try:
            while True:
                self._wakeup.clear()
                started = time.monotonic()
                try:
                    sent = await self.dispatch_due(wait=False)
                except asyncio.CancelledError:
                    raise
                except Exception as error:
                    log.error("sms_dispatch_failed", error=describe(error))
                    sent = 0
                    await asyncio.sleep(1.0)
                if sent == 0:
                    # Woken by a commit of new intents, or by a job in flight ending (capacity frees).
                    with contextlib.suppress(TimeoutError):
                        # asyncio.timeout, not wait_for, which on 3.11 can swallow a cancellation.
                        async with asyncio.timeout(self._idle_poll):
                            await self._wakeup.wait()
                # Rounds at most every round_interval: each plans in a write transaction, and a
                # round per commit would keep the consumer's transactions waiting for the writer;
                # intents that arrive meanwhile go together in the next jobs.
                await asyncio.sleep(max(0.0, self._round_interval - (time.monotonic() - started)))
        finally:
            in_flight = list(self._in_flight.values())
            for task in in_flight:
                task.cancel()  # its outcome is not recorded: the lease expires and the job is resent
            await asyncio.gather(*in_flight, return_exceptions=True)

    async def dispatch_due(self, *, wait: bool = True) -> int:
        """Runs one round: plans waiting intents, leases and starts sending the due jobs; returns how
        many jobs it started. With wait, returns only once they are sent and recorded."""
        async with self._round:
            started = await self._start_round()
        if wait:
            await asyncio.gather(*started)
        return len(started)

    async def _start_round(self) -> list[asyncio.Task[None]]:
        now = self._clock.now()
        paused = self._pause is not None
        free = (1 if paused else self._concurrency) - len(self._in_flight)
        # Fresh jobs are leased in the transaction that plans them (one transaction fewer a round),
        # unless sending is paused: then only a probe goes, below.
        fresh = await self._plan(now, lease=max(free, 0) if not paused else 0)
        limit = free - len(fresh)
        candidates: list[str] = []
        # The gauge and the due jobs through one connection (a connection and its rollback are
        # round trips to the database's thread, every round); the same checks in the same order.
        async with self._engine.connect() as connection:
            metrics.SMS_PENDING.set(await pending_count(connection))
            # While paused, one job probes whether the provider takes the account again.
            sending = self._pause is None or now >= self._pause.until
            # Jobs leased to this instance already (this round's, or still in flight) never twice.
            taken = {job.job_id for job in fresh} | set(self._in_flight)
            if sending and limit > 0:
                candidates = await due_jobs(connection, now, self.instance_id, limit + len(taken))
            await connection.rollback()
        if not sending:
            return []
        leased = list(fresh)
        due = [job_id for job_id in candidates if job_id not in taken][:limit]
        if due:
            leased += await self._take_leases(due, now)
        if not leased:
            return []
        async with self._engine.connect() as connection:
            rows = await messages_of(connection, [m.request_event_id for job in leased for m in job.members])
            await connection.rollback()
        return [self._start_sending(job, rows) for job in leased]

    def _start_sending(self, job: Job, rows: dict[str, Row]) -> asyncio.Task[None]:
        task = asyncio.create_task(self._send(job, rows), name=f"sms-job-{job.job_id}")
        self._in_flight[job.job_id] = task

        def ended(finished: asyncio.Task[None]) -> None:
            # Only after its outcome committed (or the task was cancelled) may the job be leased again.
            self._in_flight.pop(job.job_id, None)
            self._wakeup.set()
            error = None if finished.cancelled() else finished.exception()
            if error is not None:
                log.error("sms_job_task_failed", job_id=job.job_id, error=describe(error))

        task.add_done_callback(ended)
        return task

    async def _plan(self, now: datetime, *, lease: int) -> list[Job]:
        """Plans intents waiting for a job into new jobs, claiming each, and leases up to `lease` of
        them to this instance in the same transaction; returns the jobs leased."""
        async with self._engine.connect() as connection:
            rows = await unplanned_intents(connection, self._batch_size, now)
            await connection.rollback()
        if not rows:
            return []
        together = [row for row in rows if not row.alone]
        chunks = [
            together[start : start + self._job_size] for start in range(0, len(together), self._job_size)
        ]
        chunks += [[row] for row in rows if row.alone]  # split out of a job: each in one of its own
        # Job ids are drawn once, outside the transaction: a retry plans the same jobs.
        planned = [(str(uuid.uuid4()), chunk) for chunk in chunks]

        lease_command = LeaseJob(self.instance_id, now, now + self._lease)

        async def claim_and_plan(commands: CommandRunner) -> list[Job]:
            await commands.work.prefetch(delivery_stream(str(row.request_event_id)) for row in rows)
            leased: list[Job] = []
            for job_id, chunk in planned:
                members: list[JobMember] = []
                for row in chunk:
                    number, intent = str(row.application_number), str(row.request_event_id)
                    stream = delivery_stream(intent)
                    await commands.execute(
                        deliveries, stream, ClaimSms(number, intent, job_id), correlation_id=number
                    )
                    # Claimed by this job now (or by this job's earlier attempt whose commit was
                    # reported lost); claimed by another planner's job: left to that one.
                    state = (await commands.work.folded(deliveries, stream)).state
                    if state.status == "CLAIMED" and state.job_id == job_id:
                        members.append(JobMember(request_event_id=intent, application_number=number))
                if members:
                    stream = job_stream(job_id)
                    await commands.execute(jobs, stream, PlanJob(job_id, tuple(members), now))
                    if len(leased) < lease and await commands.execute(jobs, stream, lease_command):
                        leased.append((await commands.work.folded(jobs, stream)).state)
            return leased

        return await self._gateway.run(claim_and_plan, self._context(now), channel="sms-plan")

    async def _take_leases(self, job_ids: Sequence[str], now: datetime) -> list[Job]:
        """Leases the jobs that are still free to this instance; returns them as leased."""
        lease = LeaseJob(self.instance_id, now, now + self._lease)

        async def lease_all(commands: CommandRunner) -> list[Job]:
            await commands.work.prefetch(job_stream(job_id) for job_id in job_ids)
            leased = []
            for job_id in job_ids:
                # Appended at the folded version: of two instances leasing one job, one conflicts
                # and, deciding again, finds the other's lease.
                if await commands.execute(jobs, job_stream(job_id), lease):
                    leased.append((await commands.work.folded(jobs, job_stream(job_id))).state)
            return leased

        return await self._gateway.run(lease_all, self._context(now), channel="sms-lease")

    async def _send(self, job: Job, rows: dict[str, Row]) -> None:
        """Sends one leased job's attempt and records how it ended (never sent twice by this call)."""
        messages = []
        for member in job.members:
            row = rows.get(member.request_event_id)
            if row is None:  # cannot happen while the outbox is in step with the log
                log.error("sms_job_member_missing", job_id=job.job_id)
                return
            messages.append(
                SmsMessage(idempotency_key=member.request_event_id, phone_e164=row.phone, text=row.text)
            )
        outcome = await self._attempt(job, messages)
        crash_point("notifier.after_provider_before_outcome")
        await self._record(job, outcome)
        self._account_answer(outcome)

    async def _attempt(self, job: Job, messages: list[SmsMessage]) -> JobOutcome:
        """Returns what the provider answered to one attempt of the job."""
        try:
            # A bound on the whole call (httpx's timeout is per read): the lease must outlast it.
            async with asyncio.timeout(self._send_timeout):
                accepted = await self._provider.send_batch(messages, idempotency_key=job.job_id)
        except SmsRejected as rejected:
            kind = failure_kind(rejected)
            log.warning(
                "sms_job_refused", job_id=job.job_id, attempt=job.attempt, code=rejected.code, kind=kind
            )
            return RecordJobRefused(job.attempt, kind, rejected.code, rejected.reason, self._clock.now())
        except TimeoutError:
            reason = f"no answer within {self._send_timeout} s"
            return RecordJobRefused(job.attempt, "transient", "timeout", reason, self._clock.now())
        except Exception as error:
            # Not the provider's answer (a bug, an unexpected error): the job may have been sent, so
            # it is retried as after a lost answer, under the same key; the other jobs are unaffected.
            log.error("sms_job_send_failed", job_id=job.job_id, error=type(error).__name__)
            reason = f"send failed: {type(error).__name__}"
            return RecordJobRefused(job.attempt, "transient", "error", reason, self._clock.now())
        if len(accepted) != len(messages):
            reason = f"{len(accepted)} acceptances for {len(messages)} messages"
            return RecordJobRefused(job.attempt, "transient", "invalid_response", reason, self._clock.now())
        return RecordJobAccepted(job.attempt, tuple(a.provider_message_id for a in accepted))

    async def _record(self, job: Job, outcome: JobOutcome) -> Sequence[EventPayload]:
        """Records the job's outcome and what it does to each member, retrying until it commits."""
        stream = job_stream(job.job_id)

        async def record(commands: CommandRunner) -> Sequence[EventPayload]:
            await commands.work.prefetch(
                [stream, *(delivery_stream(m.request_event_id) for m in job.members)]
            )
            decided = await commands.execute(jobs, stream, outcome)
            state = (await commands.work.folded(jobs, stream)).state
            for event in decided:
                for command in member_commands(state, event):
                    await commands.execute(
                        deliveries,
                        delivery_stream(command.request_event_id),
                        command,
                        correlation_id=command.application_number,
                    )
            return decided

        failures = 0
        while True:
            try:
                return await self._gateway.run(
                    record, self._context(self._clock.now()), channel="sms-outcome"
                )
            except asyncio.CancelledError:
                raise
            except Exception as error:
                # Sending again because the record failed would be the duplicate to avoid: the
                # answer is kept here until it commits (the gateway already retried what is transient).
                failures += 1
                wait = self._record_backoff.delay(failures)
                log.error("sms_outcome_not_recorded", job_id=job.job_id, error=describe(error), retry_in=wait)
                await asyncio.sleep(wait)

    def _account_answer(self, outcome: JobOutcome) -> None:
        """Pauses sending on an account refusal, resumes when the provider takes a job again."""
        now = self._clock.now()
        kind = outcome.kind if isinstance(outcome, RecordJobRefused) else None
        pause = self._pause
        if kind == "account" and isinstance(outcome, RecordJobRefused):
            if pause is None:
                self._pause = _Pause(outcome.code, now + PAUSE_FIRST, since=time.monotonic())
                metrics.account_refused(outcome.code)
                log.error(
                    "sms_provider_account_refused",
                    code=outcome.code,
                    reason=outcome.reason,
                    next_probe_in=PAUSE_FIRST.total_seconds(),
                )
            elif now >= pause.until:  # a probe's answer, not one of the jobs sent as the pause began
                self._probe_again(pause, now)
        elif kind == "transient":
            if pause is not None and now >= pause.until:
                self._probe_again(pause, now)  # the account may be fine, the provider is not: wait on
        elif pause is not None:
            # Accepted, or a message refused on its merits: the provider takes the account again.
            self._pause = None
            metrics.account_accepted(pause.code)
            log.info(
                "sms_provider_account_accepted",
                code=pause.code,
                probes=pause.probes,
                paused_seconds=round(time.monotonic() - pause.since, 1),
            )

    def _probe_again(self, pause: _Pause, now: datetime) -> None:
        pause.probes += 1
        pause.until = now + min(PAUSE_FIRST * 2**pause.probes, PAUSE_MOST)

    def _context(self, now: datetime) -> CommandContext:
        return CommandContext(occurred_at=now, actor=ACTOR)
