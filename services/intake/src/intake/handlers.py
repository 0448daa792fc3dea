"""Intake's message handlers: portal submissions in, citizen-facing stage changes from other services."""

from __future__ import annotations

import secrets
import uuid

import structlog

from acikkapi_shared.events.router import CaseRouted
from acikkapi_shared.events.sla_monitor import DeadlineSet
from acikkapi_shared.eventstore.unit_of_work import UnitOfWork
from acikkapi_shared.messaging.inbound import InboundMessage, PoisonMessage, UpstreamEventHandler
from acikkapi_shared.observability import metrics
from intake.domain.application import numbering_stream, numbering_year, register, reject, stage_change
from intake.domain.numbers import TokenBytes, format_application_number, new_tracking_code
from intake.domain.problems import SubmissionInvalid, ValidationProblem
from intake.domain.submission import ValidSubmission, validate_submission

log = structlog.get_logger(__name__)

NOT_JSON = ValidationProblem(
    code="PAYLOAD_NOT_JSON",
    field="submission",
    message_tr="Başvurunuz okunamadı. Lütfen başvurunuzu yeniden gönderin.",
)


def _submission_id_of(message: InboundMessage) -> str | None:
    try:
        value = message.json_object().get("submission_id")
    except PoisonMessage:
        return None
    if not isinstance(value, str):
        return None
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:
        return None


class PortalSubmissionHandler:
    """Registers a valid submission under a new application number, or records why it cannot."""

    def __init__(self, token_bytes: TokenBytes = secrets.token_bytes) -> None:
        self._token_bytes = token_bytes

    def message_key(self, message: InboundMessage) -> str:
        """Returns the submission id (one submission = one application), else the record's place."""
        submission_id = _submission_id_of(message)
        return f"submission:{submission_id}" if submission_id else f"record:{message.source}"

    async def __call__(self, work: UnitOfWork, message: InboundMessage) -> None:
        """Applies one portal message: ApplicationRegistered or SubmissionRejected."""
        try:
            document = message.json_object()
        except PoisonMessage as poison:
            log.warning("submission_not_json", source=message.source, reason=poison.reason)
            await self._reject(work, (NOT_JSON,), None, message.source)
            return
        try:
            submission = validate_submission(document)
        except SubmissionInvalid as invalid:
            await self._reject(work, invalid.problems, _submission_id_of(message), message.source)
            return
        await self._register(work, submission)

    async def _register(self, work: UnitOfWork, submission: ValidSubmission) -> None:
        stream = numbering_stream(submission.submitted_at)
        last_sequence = await work.stream_version(stream)
        number = format_application_number(numbering_year(submission.submitted_at), last_sequence + 1)
        issued, registered = register(
            submission,
            application_number=number,
            tracking_code=new_tracking_code(self._token_bytes),
            now=work.clock.now(),
            causation_id=submission.submission_id,
        )
        await work.append(stream, last_sequence, [issued])
        await work.append(number, 0, [registered])
        structlog.contextvars.bind_contextvars(correlation_id=number)
        log.info("application_registered", application_number=number, channel=submission.channel)
        metrics.APPLICATIONS_RECEIVED.labels(submission.channel).inc()

    async def _reject(
        self,
        work: UnitOfWork,
        problems: tuple[ValidationProblem, ...],
        submission_id: str | None,
        source: str,
    ) -> None:
        event = reject(problems, submission_id=submission_id, source=source, now=work.clock.now())
        stream = f"submission:{submission_id}" if submission_id else f"record:{source}"
        version = await work.stream_version(stream)
        await work.append(stream, version, [event])
        log.info("submission_rejected", source=source, codes=[p.code for p in problems])
        for found in problems:
            metrics.SUBMISSIONS_REJECTED.labels(found.code).inc()


class StageHandler(UpstreamEventHandler):
    """Follows other services' events that move the citizen-facing stage of an application."""

    event_types = frozenset({CaseRouted.TYPE, DeadlineSet.TYPE})

    async def __call__(self, work: UnitOfWork, message: InboundMessage) -> None:
        """Records an ApplicationStageChanged on the application's stream, if the event moves it."""
        upstream = message.envelope()
        change = stage_change(upstream, now=work.clock.now())
        if change is None:
            return
        number = change.correlation_id
        version = await work.stream_version(number)
        if version == 0:
            raise PoisonMessage(f"application {number} is unknown to intake")
        await work.append(number, version, [change])
