"""The notifier's Kafka translators: intake's, router's and sla-monitor's events become facts about a case.

ApplicationRegistered gives the contact, SubmissionRejected the rejected SMS; every event type of the
stage table (stage_messages.yaml) becomes NoticeStage with the table's template, urgency and
parameters read from the event.
"""

from __future__ import annotations

from acikkapi_shared.commands import CommandRunner
from acikkapi_shared.decider import Decider
from acikkapi_shared.events.intake import ApplicationRegistered, SubmissionRejected
from acikkapi_shared.messaging.inbound import InboundMessage, UpstreamEventTranslator
from notifier.domain.case import CaseNotifications, NoticeStage, NotifierCommand, RecordContact
from notifier.domain.rejection import NotifyRejection, rejection_stream, rejections
from notifier.domain.stage_table import StageTable, upstream_event_classes

# The field naming the case in every event of the stage table.
_NUMBER = "application_number"


class CaseEvents(UpstreamEventTranslator):
    """ApplicationRegistered → RecordContact; a stage table event → NoticeStage; in whatever order."""

    def __init__(self, cases: Decider[CaseNotifications, NotifierCommand], stages: StageTable) -> None:
        self._cases = cases
        self._stages = stages
        self._classes = upstream_event_classes()
        self.event_types = frozenset(
            {ApplicationRegistered.TYPE, SubmissionRejected.TYPE, *stages.event_types}
        )

    async def translate(self, message: InboundMessage, commands: CommandRunner) -> None:
        """Executes the fact's command on the case's stream."""
        upstream = message.envelope()
        at = commands.context.occurred_at
        command: NotifierCommand
        if upstream.type == SubmissionRejected.TYPE:
            await self._rejected(
                SubmissionRejected.from_payload(upstream.payload, upstream.schema_version),
                str(upstream.event_id),
                commands,
            )
            return
        if upstream.type == ApplicationRegistered.TYPE:
            registered = ApplicationRegistered.from_payload(upstream.payload, upstream.schema_version)
            number = registered.application_number
            applicant = registered.applicant
            command = RecordContact(
                applicant.phone,
                registered.tracking_code,
                str(upstream.event_id),
                at,
                identity_hidden=applicant.identity_hidden,
                sms_refused=applicant.sms_refused,
            )
        elif upstream.type in self._stages.entries:
            event = self._classes[upstream.type].from_payload(upstream.payload, upstream.schema_version)
            entry = self._stages.entries[upstream.type]
            number = str(getattr(event, _NUMBER))  # the table checked it has one (not model_dump: all fields)
            command = NoticeStage(
                trigger_event_id=str(upstream.event_id),
                event_type=upstream.type,
                template=entry.template,
                urgent=entry.urgent,
                parameters=self._stages.parameters_of(event),
                at=at,
            )
        else:
            return
        await commands.execute(self._cases, number, command, correlation_id=number)

    async def _rejected(self, rejected: SubmissionRejected, event_id: str, commands: CommandRunner) -> None:
        """Tells the applicant why, when intake found a number to tell them on (also when the
        submission's id could not be read: the message's place in the portal's topic stands for it)."""
        if rejected.phone is None:
            return
        submission = rejected.submission_id or f"source:{rejected.source}"
        command = NotifyRejection(
            submission_id=submission,
            phone=rejected.phone,
            received_at=rejected.received_at,
            reasons=tuple(problem.message_tr for problem in rejected.problems),
            trigger_event_id=event_id,
        )
        await commands.execute(rejections, rejection_stream(submission), command, correlation_id=submission)
