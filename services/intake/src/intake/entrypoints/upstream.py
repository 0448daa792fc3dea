"""intake's translators of other services' events: each becomes a line of the applicant's timeline.

The router's stage events → RecordStage, the sla-monitor's due moments → RecordDeadline, each with
the event's id and its version in its service's stream of the case (the envelope's stream_version),
by which the Application decider orders them.

Lines that move no stage (timeline_notes.py): the router's ApplicantRequestRefused comes with its
stage events, the notifier's delivery reports through sms_reports(), DeadlinesRecomputed with the
sla-monitor's due moments.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from acikkapi_shared.commands import CommandRunner
from acikkapi_shared.events.base import EventPayload
from acikkapi_shared.events.envelope import EventEnvelope
from acikkapi_shared.events.router import (
    AnswerReturned,
    ApplicantRequestRefused,
    CaseAcknowledged,
    CaseAnswered,
    CaseConcluded,
    CaseReopened,
    CaseRouted,
    CaseRoutedByHand,
    CaseWithdrawn,
    InformationRequested,
    InformationSupplied,
    TransferApproved,
)
from acikkapi_shared.events.sla_monitor import (
    ClocksPaused,
    ClocksReopened,
    ClocksResumed,
    DeadlineSet,
    DeadlinesRecomputed,
)
from acikkapi_shared.messaging.inbound import InboundMessage, UpstreamEventTranslator
from acikkapi_shared.reference import TRIAGE_INSTITUTION
from intake.domain.application import ApplicationCommand, RecordDeadline, RecordStage, applications
from intake.domain.stages import STAGE_OF_ROUTER_EVENT, Stage
from intake.entrypoints.timeline_notes import SMS_REPORT_TYPES, refusal_command, sms_report_command

# What of each router event the applicant sees, besides its stage and institution. An office's
# note or reason (a transfer, a returned answer, re-routing) and the answer before it is approved
# are the administration's own: they stay out.


def _nothing(_event: Any) -> dict[str, Any]:
    return {}


_ROUTER_DETAILS: dict[str, tuple[type[EventPayload], Callable[[Any], dict[str, Any]]]] = {
    CaseRouted.TYPE: (CaseRouted, _nothing),
    CaseRoutedByHand.TYPE: (CaseRoutedByHand, _nothing),
    TransferApproved.TYPE: (TransferApproved, _nothing),
    CaseAcknowledged.TYPE: (CaseAcknowledged, _nothing),
    InformationRequested.TYPE: (
        InformationRequested,
        lambda e: {"text": e.question, "request_number": e.request_number},
    ),
    InformationSupplied.TYPE: (
        InformationSupplied,
        lambda e: {"text": e.text, "request_number": e.request_number},
    ),
    CaseAnswered.TYPE: (CaseAnswered, _nothing),
    AnswerReturned.TYPE: (AnswerReturned, _nothing),
    CaseConcluded.TYPE: (
        CaseConcluded,
        lambda e: {"text": e.answer, "outcome": e.outcome, "reasons": e.reasons},
    ),
    CaseWithdrawn.TYPE: (CaseWithdrawn, lambda e: {"text": e.reason}),
    CaseReopened.TYPE: (CaseReopened, lambda e: {"text": e.objection}),
}


def stage_command(upstream: EventEnvelope) -> tuple[str, RecordStage] | None:
    """Returns the application and the RecordStage a router event means (None: not the applicant's)."""
    known = _ROUTER_DETAILS.get(upstream.type)
    if known is None:
        return None
    payload_class, details = known
    event: Any = payload_class.from_payload(upstream.payload, upstream.schema_version)
    stage = STAGE_OF_ROUTER_EVENT[upstream.type]
    if upstream.type == CaseRouted.TYPE and event.institution == TRIAGE_INSTITUTION:
        stage = Stage.TRIAGE
    command = RecordStage(
        source_event_id=str(upstream.event_id),
        source_version=upstream.stream_version,
        event_type=upstream.type,
        occurred_at=upstream.occurred_at,
        stage=stage,
        institution=str(event.institution),
        **details(event),
    )
    return str(event.application_number), command


# sla-monitor event type -> its payload class and (due moment, paused, institution) for the office clock.
_DUE_OF: dict[str, tuple[type[EventPayload], Callable[[Any], tuple[Any, bool, str | None]]]] = {
    DeadlineSet.TYPE: (DeadlineSet, lambda e: (e.due_at, False, e.institution)),
    ClocksPaused.TYPE: (ClocksPaused, lambda _e: (None, True, None)),
    ClocksResumed.TYPE: (ClocksResumed, lambda e: (e.office_due_at, False, None)),
    ClocksReopened.TYPE: (ClocksReopened, lambda e: (e.due_at, False, None)),
    # A calendar or configuration change: the office due moment computed again (None while paused).
    DeadlinesRecomputed.TYPE: (
        DeadlinesRecomputed,
        lambda e: (e.office_due_at, e.office_due_at is None, None),
    ),
}


def deadline_command(upstream: EventEnvelope) -> tuple[str, RecordDeadline] | None:
    """Returns the application and the RecordDeadline an sla-monitor event means (None: no due change)."""
    known = _DUE_OF.get(upstream.type)
    if known is None:
        return None
    payload_class, due_of = known
    event: Any = payload_class.from_payload(upstream.payload, upstream.schema_version)
    due_at, paused, institution = due_of(event)
    command = RecordDeadline(
        source_event_id=str(upstream.event_id),
        source_version=upstream.stream_version,
        event_type=upstream.type,
        occurred_at=upstream.occurred_at,
        cause_event_id=upstream.causation_id,
        due_at=due_at,
        clock_paused=paused,
        institution=institution,
    )
    return str(event.application_number), command


class TimelineEvents(UpstreamEventTranslator):
    """Another service's events → the Application command each means for the timeline."""

    def __init__(
        self,
        command_of: Callable[[EventEnvelope], tuple[str, ApplicationCommand] | None],
        event_types: frozenset[str],
    ) -> None:
        self._command_of = command_of
        self.event_types = event_types

    async def translate(self, message: InboundMessage, commands: CommandRunner) -> None:
        """Executes the command on the application's stream (nothing for an event it has no use for)."""
        found = self._command_of(message.envelope())
        if found is not None:
            number, command = found
            await commands.execute(applications, number, command, correlation_id=number)


def _router_command(upstream: EventEnvelope) -> tuple[str, ApplicationCommand] | None:
    return stage_command(upstream) or refusal_command(upstream)


def router_stages() -> TimelineEvents:
    """Returns the translator of router's stage events and refusals of the applicant's requests
    (transfer requests and refusals are the office's business and are not consumed)."""
    return TimelineEvents(_router_command, frozenset({*_ROUTER_DETAILS, ApplicantRequestRefused.TYPE}))


def clock_changes() -> TimelineEvents:
    """Returns the translator of the sla-monitor's events that set or pause the office due moment."""
    return TimelineEvents(deadline_command, frozenset(_DUE_OF))


def sms_reports() -> TimelineEvents:
    """Returns the translator of the notifier's delivery reports (SmsDelivered, SmsDeliveryFailed)."""
    return TimelineEvents(sms_report_command, SMS_REPORT_TYPES)
