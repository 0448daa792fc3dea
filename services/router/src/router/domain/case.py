"""The router's Case: which institution an application is with, decided once by the routing table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from acikkapi_shared.decider import Decider
from acikkapi_shared.events.base import EventPayload, EventTypes
from acikkapi_shared.events.router import CaseRouted
from acikkapi_shared.reference import ReferenceData
from router.domain.routing import RoutingRequest, RoutingTable


@dataclass(frozen=True)
class RouteCase:
    """Assign a registered application the institution responsible for its subject."""

    application_number: str
    subject: str
    district: str
    application_type: str
    text: str
    received_at: datetime


@dataclass(frozen=True)
class Case:
    application_number: str
    institution: str | None = None


def _evolve(state: Case, event: EventPayload) -> Case:
    if isinstance(event, CaseRouted):
        return replace(state, institution=event.institution)
    return state


def case_decider(table: RoutingTable, reference: ReferenceData) -> Decider[Case, RouteCase]:
    """Returns the Case decider routing with this table and these institutions."""

    def decide(command: RouteCase, state: Case) -> Sequence[EventPayload]:
        if state.institution is not None:
            return []  # routed already: a redelivered registration changes nothing
        decision = table.route(
            RoutingRequest(
                topic=command.subject,
                district=command.district,
                type=command.application_type,
                text=command.text,
            )
        )
        return [
            CaseRouted(
                application_number=command.application_number,
                institution=decision.institution,
                institution_name=reference.institution(decision.institution).name,
                rule=decision.rule,
                confidence=decision.confidence,
                matched=list(decision.matched),
                table_version=decision.table_version,
                received_at=command.received_at,
            )
        ]

    return Decider(
        name="case",
        initial=lambda number: Case(application_number=number),
        evolve=_evolve,
        decide=decide,
        events=EventTypes([CaseRouted]),
    )
