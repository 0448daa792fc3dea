"""The router's translator of the sla-monitor's events: each clock event is recorded on the case's
`sla:<number>` stream (router/domain/deadlines.py), once per upstream event id (the processor's
tracking row; the decider also ignores the last event it recorded coming again)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from acikkapi_shared.commands import CommandRunner
from acikkapi_shared.messaging.inbound import InboundMessage, UpstreamEventTranslator
from router.domain.deadlines import CLOCK_EVENTS, ClockEvent, RecordClockEvent, deadline_stream, deadlines

_CLASSES = {kind.TYPE: kind for kind in CLOCK_EVENTS}


class ClockEvents(UpstreamEventTranslator):
    """sla-monitor's clock events → RecordClockEvent; escalations and others are not the inbox's."""

    event_types = frozenset(_CLASSES)

    def streams(self, message: InboundMessage) -> Sequence[str]:
        """Returns the case's SLA stream, named by the correlation id header."""
        correlation = message.headers.get("correlation_id")
        return [deadline_stream(correlation)] if correlation else []

    async def translate(self, message: InboundMessage, commands: CommandRunner) -> None:
        """Executes RecordClockEvent on the case's SLA stream."""
        upstream = message.envelope()
        kind = _CLASSES.get(upstream.type)
        if kind is None:
            return
        event = cast(ClockEvent, kind.from_payload(upstream.payload, upstream.schema_version))
        number = event.application_number
        await commands.execute(
            deadlines,
            deadline_stream(number),
            RecordClockEvent(source_event_id=str(upstream.event_id), event=event),
            correlation_id=number,
        )
