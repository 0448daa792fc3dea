"""The sla-monitor's Kafka translator: each stage of a case (router's events) becomes a clock command."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from acikkapi_shared.commands import CommandRunner
from acikkapi_shared.decider import Decider
from acikkapi_shared.events.base import EventPayload
from acikkapi_shared.events.router import (
    AnswerReturned,
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
from acikkapi_shared.messaging.inbound import InboundMessage, UpstreamEventTranslator
from sla_monitor.domain.case_clocks import CaseClocks
from sla_monitor.domain.clock_commands import (
    ChangeInstitution,
    ClockCommand,
    CloseClocks,
    PauseClocks,
    ReopenClocks,
    ResumeClocks,
    ResumeInstitutionClock,
    StartClocks,
    StopInstitutionClock,
)


def _start(routed: CaseRouted, at: datetime) -> ClockCommand:
    return StartClocks(routed.application_number, routed.institution, routed.received_at, routed_at=at)


# event type -> (its payload class, the command it means at the moment it happened)
_COMMANDS: dict[str, tuple[type[EventPayload], Callable[[Any, datetime], ClockCommand]]] = {
    CaseRouted.TYPE: (CaseRouted, _start),
    CaseRoutedByHand.TYPE: (CaseRoutedByHand, lambda e, at: ChangeInstitution(e.institution, at)),
    TransferApproved.TYPE: (TransferApproved, lambda e, at: ChangeInstitution(e.institution, at)),
    InformationRequested.TYPE: (InformationRequested, lambda e, at: PauseClocks(at, e.request_number)),
    InformationSupplied.TYPE: (InformationSupplied, lambda e, at: ResumeClocks(at, e.request_number)),
    CaseAnswered.TYPE: (CaseAnswered, lambda _e, at: StopInstitutionClock(at)),
    AnswerReturned.TYPE: (AnswerReturned, lambda _e, at: ResumeInstitutionClock(at)),
    CaseConcluded.TYPE: (CaseConcluded, lambda _e, at: CloseClocks(at, "CONCLUDED")),
    CaseWithdrawn.TYPE: (CaseWithdrawn, lambda _e, at: CloseClocks(at, "WITHDRAWN")),
    CaseReopened.TYPE: (CaseReopened, lambda _e, at: ReopenClocks(at)),
}


class CaseStages(UpstreamEventTranslator):
    """router's stage events → the clocks' commands, at the moment each stage happened."""

    event_types = frozenset(_COMMANDS)

    def __init__(self, clocks: Decider[CaseClocks, ClockCommand]) -> None:
        self._clocks = clocks

    async def translate(self, message: InboundMessage, commands: CommandRunner) -> None:
        """Executes the stage's clock command on the case's stream."""
        upstream = message.envelope()
        known = _COMMANDS.get(upstream.type)
        if known is None:
            return
        payload_class, command_of = known
        event: Any = payload_class.from_payload(upstream.payload, upstream.schema_version)
        number = str(event.application_number)  # every stage event names its case
        await commands.execute(
            self._clocks, number, command_of(event, upstream.occurred_at), correlation_id=number
        )
