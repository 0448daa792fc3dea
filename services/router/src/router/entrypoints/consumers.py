"""The router's Kafka translators: each registered application becomes a RouteCase command."""

from __future__ import annotations

from acikkapi_shared.commands import CommandRunner
from acikkapi_shared.decider import Decider
from acikkapi_shared.events.intake import ApplicationRegistered
from acikkapi_shared.messaging.inbound import InboundMessage, UpstreamEventTranslator
from router.domain.case import Case
from router.domain.case_commands import CaseCommand, RouteCase


class RegisteredApplications(UpstreamEventTranslator):
    """intake's ApplicationRegistered → RouteCase; other intake events are not the router's business."""

    event_types = frozenset({ApplicationRegistered.TYPE})

    def __init__(self, cases: Decider[Case, CaseCommand]) -> None:
        self._cases = cases

    async def translate(self, message: InboundMessage, commands: CommandRunner) -> None:
        """Executes RouteCase on the application's case stream."""
        upstream = message.envelope()
        if upstream.type != ApplicationRegistered.TYPE:
            return
        registered = ApplicationRegistered.from_payload(upstream.payload, upstream.schema_version)
        command = RouteCase(
            application_number=registered.application_number,
            subject=registered.topic,
            district=registered.district,
            application_type=registered.type,
            text=registered.text,
            received_at=registered.received_at,
        )
        await commands.execute(
            self._cases, registered.application_number, command, correlation_id=registered.application_number
        )
