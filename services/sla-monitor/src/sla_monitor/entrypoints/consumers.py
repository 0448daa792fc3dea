"""The sla-monitor's Kafka translators: each routed case becomes a StartClocks command."""

from __future__ import annotations

from acikkapi_shared.commands import CommandRunner
from acikkapi_shared.decider import Decider
from acikkapi_shared.events.router import CaseRouted
from acikkapi_shared.messaging.inbound import InboundMessage, UpstreamEventTranslator
from sla_monitor.domain.case_clocks import CaseClocks
from sla_monitor.domain.clock_commands import ClockCommand, StartClocks


class RoutedCases(UpstreamEventTranslator):
    """router's CaseRouted → StartClocks."""

    event_types = frozenset({CaseRouted.TYPE})

    def __init__(self, clocks: Decider[CaseClocks, ClockCommand]) -> None:
        self._clocks = clocks

    async def translate(self, message: InboundMessage, commands: CommandRunner) -> None:
        """Executes StartClocks on the case's stream."""
        upstream = message.envelope()
        if upstream.type != CaseRouted.TYPE:
            return
        routed = CaseRouted.from_payload(upstream.payload, upstream.schema_version)
        command = StartClocks(
            application_number=routed.application_number,
            institution=routed.institution,
            received_at=routed.received_at,
            routed_at=upstream.occurred_at,
        )
        await commands.execute(
            self._clocks, routed.application_number, command, correlation_id=routed.application_number
        )
