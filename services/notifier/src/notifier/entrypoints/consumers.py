"""The notifier's Kafka translators: intake's and sla-monitor's events become facts about a case."""

from __future__ import annotations

from acikkapi_shared.commands import CommandRunner
from acikkapi_shared.decider import Decider
from acikkapi_shared.events.intake import ApplicationRegistered
from acikkapi_shared.events.sla_monitor import DeadlineSet
from acikkapi_shared.messaging.inbound import InboundMessage, UpstreamEventTranslator
from notifier.domain.case import CaseNotifications, NotifierCommand, RecordContact, RecordDeadline


class CaseEvents(UpstreamEventTranslator):
    """ApplicationRegistered → RecordContact; DeadlineSet → RecordDeadline; in whatever order."""

    event_types = frozenset({ApplicationRegistered.TYPE, DeadlineSet.TYPE})

    def __init__(self, cases: Decider[CaseNotifications, NotifierCommand]) -> None:
        self._cases = cases

    async def translate(self, message: InboundMessage, commands: CommandRunner) -> None:
        """Executes the fact's command on the case's stream."""
        upstream = message.envelope()
        command: NotifierCommand
        if upstream.type == ApplicationRegistered.TYPE:
            registered = ApplicationRegistered.from_payload(upstream.payload, upstream.schema_version)
            number = registered.application_number
            command = RecordContact(
                registered.applicant.phone, registered.tracking_code, str(upstream.event_id)
            )
        elif upstream.type == DeadlineSet.TYPE:
            deadline = DeadlineSet.from_payload(upstream.payload, upstream.schema_version)
            number = deadline.application_number
            command = RecordDeadline(deadline.institution, deadline.due_at, str(upstream.event_id))
        else:
            return
        await commands.execute(self._cases, number, command, correlation_id=number)
