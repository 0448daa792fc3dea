"""Asks the provider what became of accepted SMS and records each final report once, through the
command path: SmsDelivered or SmsDeliveryFailed on the SMS's delivery stream, a row for no known SMS
as DeliveryReportUnmatched.

Netgsm reports by a query by job id (its REST v2 report API; the limit is a few queries a minute), so
this polls: every `interval` seconds it takes the oldest SMS accepted within `window` that have no
final report, asks about their jobs in at most `queries_per_round` queries of `jobs_per_query` jobs
(4 of 50 every 30 s: 8 queries a minute), and records what is final.
A waiting report (status 0) is asked again at the next round; an SMS with no final report after the
window is no longer asked about (the provider keeps reports for a limited time).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from acikkapi_shared.clock import Clock
from acikkapi_shared.commands import CommandContext, CommandRunner
from acikkapi_shared.gateway import CommandGateway
from acikkapi_shared.messaging.failures import describe
from notifier.adapters.netgsm_reports import ReportUnavailable
from notifier.domain.delivery import RecordDeliveryReport, deliveries, delivery_stream
from notifier.domain.reports import (
    RecordUnmatchedReport,
    ReportedSms,
    ReportRow,
    UnmatchedRow,
    is_final,
    match_reports,
    report_stream,
    unmatched_reports,
)
from notifier.projections import accepted_of_jobs, awaiting_report

log = structlog.get_logger(__name__)

ACTOR = "timer:sms-delivery-reports"
# Reports are asked from a little before the first acceptance: the provider dates a job by its own
# clock, which may differ from ours.
CLOCK_MARGIN = timedelta(minutes=10)


class DeliveryReports(Protocol):
    """The provider's delivery reports (NetgsmReportClient)."""

    async def report(self, jobids: Sequence[str], *, start: datetime, stop: datetime) -> list[ReportRow]:
        """Returns the report rows of these jobs sent between start and stop."""
        ...


class DeliveryReportPoller:
    """Polls the provider's delivery reports; one round at a time."""

    def __init__(
        self,
        *,
        engine: AsyncEngine,
        gateway: CommandGateway,
        clock: Clock,
        reports: DeliveryReports,
        interval: float = 30.0,
        window: timedelta = timedelta(days=3),
        batch_size: int = 500,
        jobs_per_query: int = 50,
        queries_per_round: int = 4,
    ) -> None:
        self._engine = engine
        self._gateway = gateway
        self._clock = clock
        self._reports = reports
        self._interval = interval
        self._window = window
        self._batch_size = batch_size
        self._jobs_per_query = jobs_per_query
        self._queries_per_round = queries_per_round

    async def run(self) -> None:
        """Polls until cancelled; a failed round is logged and the next one tries again."""
        while True:
            try:
                await self.poll_once()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.error("sms_report_poll_failed", error=describe(error))
            await asyncio.sleep(self._interval)

    async def poll_once(self) -> int:
        """Runs one round; returns how many events it recorded."""
        now = self._clock.now()
        async with self._engine.connect() as connection:
            awaiting = await awaiting_report(connection, since=now - self._window, limit=self._batch_size)
            accepted_at: dict[str, datetime] = {}
            for row in awaiting:
                accepted_at.setdefault(str(row.job_id), row.accepted_at)
            # Every SMS of those jobs, reported ones too: each row of a job's report is matched to one.
            rows = await accepted_of_jobs(connection, list(accepted_at))
            await connection.rollback()
        by_job: dict[str, list[ReportedSms]] = {}
        unreported: set[str] = set()
        for row in rows:
            sms = ReportedSms(
                request_event_id=str(row.request_event_id),
                application_number=str(row.application_number),
                provider_message_id=str(row.provider_message_id),
                number=str(row.phone)[-10:],
                template=None if row.template is None else str(row.template),
                trigger_event_id=None if row.trigger_event_id is None else str(row.trigger_event_id),
            )
            by_job.setdefault(str(row.job_id), []).append(sms)
            if row.report is None:
                unreported.add(sms.request_event_id)
        jobs = list(by_job)
        recorded = 0
        most = self._jobs_per_query * self._queries_per_round  # Netgsm allows a few queries a minute
        for start in range(0, min(len(jobs), most), self._jobs_per_query):
            chunk = jobs[start : start + self._jobs_per_query]
            members = [sms for job in chunk for sms in by_job[job]]
            since = min(accepted_at[job] for job in chunk) - CLOCK_MARGIN
            jobids = sorted({sms.jobid for sms in members})
            try:
                report = await self._reports.report(jobids, start=since, stop=now + CLOCK_MARGIN)
            except ReportUnavailable as unavailable:
                log.warning("sms_report_unavailable", code=unavailable.code, jobs=len(jobids))
                break  # a rate limit or an outage: the next round asks again
            matched, unmatched = match_reports(members, report)
            final = [
                (sms, row)
                for sms, row in matched
                if sms.request_event_id in unreported and is_final(row.status)
            ]
            if final or unmatched:
                recorded += await self._record(final, unmatched, now)
        return recorded

    async def _record(
        self, final: list[tuple[ReportedSms, ReportRow]], unmatched: list[UnmatchedRow], now: datetime
    ) -> int:
        """Records the final reports and unmatched rows of one answer in one transaction; returns the
        events recorded."""

        async def record(commands: CommandRunner) -> int:
            await commands.work.prefetch(delivery_stream(sms.request_event_id) for sms, _ in final)
            count = 0
            for sms, row in final:
                command = RecordDeliveryReport(
                    application_number=sms.application_number,
                    request_event_id=sms.request_event_id,
                    provider_message_id=sms.provider_message_id,
                    template=sms.template,
                    status=row.status,
                    error_code=row.error_code,
                    delivered_at=row.delivered_at,
                    trigger_event_id=sms.trigger_event_id,
                )
                stream = delivery_stream(sms.request_event_id)
                decided = await commands.execute(
                    deliveries, stream, command, correlation_id=sms.application_number
                )
                count += len(decided)
            for unknown in unmatched:
                count += len(await self._unmatched(commands, unknown))
            return count

        context = CommandContext(occurred_at=now, actor=ACTOR)
        return await self._gateway.run(record, context, channel="sms-report")

    async def _unmatched(self, commands: CommandRunner, row: UnmatchedRow) -> Sequence[object]:
        events = await commands.execute(
            unmatched_reports, report_stream(row.jobid), RecordUnmatchedReport(row)
        )
        if events:
            log.warning("sms_report_unmatched", jobid=row.jobid, status=row.status)
        return events
