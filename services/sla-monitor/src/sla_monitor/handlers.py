"""The sla-monitor's message handler: each routed case gets its 7-business-day deadline."""

from __future__ import annotations

import structlog

from acikkapi_shared.events.router import CaseRouted
from acikkapi_shared.events.sla_monitor import DeadlineSet
from acikkapi_shared.eventstore.unit_of_work import UnitOfWork
from acikkapi_shared.messaging.inbound import InboundMessage, PoisonMessage, UpstreamEventHandler
from acikkapi_shared.observability import metrics
from sla_monitor.domain.calendar import BusinessCalendar
from sla_monitor.domain.clock import SlaClock, due_moment

log = structlog.get_logger(__name__)


def deadline_for(routed: CaseRouted, calendar: BusinessCalendar, budget_days: int) -> DeadlineSet:
    """Returns the deadline of a routed case: the end of the Nth business day after receipt."""
    due = due_moment(SlaClock(received_at=routed.received_at, budget_days=budget_days), calendar)
    if due is None:  # a fresh clock has no pauses, so it always has a due moment
        raise PoisonMessage("no due moment for an unpaused clock")
    return DeadlineSet(
        application_number=routed.application_number,
        institution=routed.institution,
        received_at=routed.received_at,
        budget_days=budget_days,
        due_at=due,
    )


class RoutingHandler(UpstreamEventHandler):
    """Starts the SLA clock of each routed case once."""

    event_types = frozenset({CaseRouted.TYPE})

    def __init__(self, calendar: BusinessCalendar, budget_days: int = 7) -> None:
        self._calendar = calendar
        self._budget_days = budget_days

    async def __call__(self, work: UnitOfWork, message: InboundMessage) -> None:
        """Appends DeadlineSet to the case's stream unless its clock already runs."""
        upstream = message.envelope()
        if upstream.type != CaseRouted.TYPE:
            return
        routed = CaseRouted.from_payload(upstream.payload)
        number = routed.application_number
        if await work.stream_version(number) > 0:
            return
        deadline = deadline_for(routed, self._calendar, self._budget_days)
        event = deadline.as_event(
            correlation_id=number, causation_id=str(upstream.event_id), occurred_at=work.clock.now()
        )
        await work.append(number, 0, [event])
        log.info("deadline_set", application_number=number, due_at=deadline.due_at.isoformat())
        metrics.DEADLINES_SET.inc()
