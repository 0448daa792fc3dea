"""The router's message handler: each registered application is assigned an institution."""

from __future__ import annotations

import structlog

from acikkapi_shared.events.intake import ApplicationRegistered
from acikkapi_shared.events.router import CaseRouted
from acikkapi_shared.eventstore.unit_of_work import UnitOfWork
from acikkapi_shared.messaging.inbound import InboundMessage, UpstreamEventHandler
from acikkapi_shared.observability import metrics
from acikkapi_shared.reference import kars
from router.domain.routing import RoutingRequest, RoutingTable

log = structlog.get_logger(__name__)


def case_routed(registered: ApplicationRegistered, table: RoutingTable) -> CaseRouted:
    """Returns the routing decision for a registered application, with its explanation."""
    decision = table.route(
        RoutingRequest(
            topic=registered.topic, district=registered.district, type=registered.type, text=registered.text
        )
    )
    return CaseRouted(
        application_number=registered.application_number,
        institution=decision.institution,
        institution_name=kars().institution(decision.institution).name,
        rule=decision.rule,
        confidence=decision.confidence,
        matched=list(decision.matched),
        table_version=decision.table_version,
        received_at=registered.received_at,
    )


class RegistrationHandler(UpstreamEventHandler):
    """Routes each ApplicationRegistered once; other intake events are not the router's business."""

    event_types = frozenset({ApplicationRegistered.TYPE})

    def __init__(self, table: RoutingTable) -> None:
        self._table = table

    async def __call__(self, work: UnitOfWork, message: InboundMessage) -> None:
        """Appends CaseRouted to the case's stream unless the case is already routed."""
        upstream = message.envelope()
        if upstream.type != ApplicationRegistered.TYPE:
            return
        registered = ApplicationRegistered.from_payload(upstream.payload)
        number = registered.application_number
        if await work.stream_version(number) > 0:
            return
        routed = case_routed(registered, self._table)
        event = routed.as_event(
            correlation_id=number, causation_id=str(upstream.event_id), occurred_at=work.clock.now()
        )
        await work.append(number, 0, [event])
        log.info(
            "case_routed",
            application_number=number,
            institution=routed.institution,
            rule=routed.rule,
            confidence=routed.confidence,
        )
        metrics.CASES_ROUTED.labels(routed.institution).inc()
