"""The staff API's reads: an institution's inbox, a case with its history, and the office's views.

An institution officer sees its own institution's cases only (another's case is a 404, as in the
commands); the office's roles and the auditor see every institution's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, TypeVar

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query, Request, Security
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, BaseModel
from sqlalchemy.ext.asyncio import AsyncEngine

from acikkapi_shared.events.base import EventPayload
from acikkapi_shared.events.envelope import EventEnvelope
from acikkapi_shared.events.router import CaseRouted, CaseRoutedByHand, ModelChoice
from acikkapi_shared.eventstore.store import SqlAlchemyEventStore
from acikkapi_shared.reference import ReferenceData
from acikkapi_shared.staff.http import requires
from acikkapi_shared.staff.identity import Forbidden, ForbiddenCode, Role, StaffIdentity, may_act_on, may_read
from router.domain.case_rules import Stage
from router.domain.deadlines import SlaState
from router.entrypoints.history import HistoryItem, visible_history
from router.entrypoints.http_common import ERROR_RESPONSES, CaseNumber, bearer, case_not_found, error
from router.entrypoints.petition import PetitionView, petition_view
from router.queries import CaseFilter, Cursor, InvalidCursor, case_row, list_cases, open_counts

EVERY_ROLE = tuple(Role)
OFFICE_VIEW = (Role.OFFICE_OFFICER, Role.OFFICE_REVIEWER, Role.SUPERVISOR, Role.AUDITOR)
INVALID_CURSOR_TR = "Sayfa imleci geçersiz; listeyi baştan isteyin."
E = TypeVar("E", bound=EventPayload)


class CaseSummary(BaseModel):
    """A case as the lists show it."""

    application_number: str
    institution: str
    stage: Stage
    transfer_pending: bool
    suggested_institution: str | None
    information_requests: int
    returns: int
    reopenings: int
    received_at: AwareDatetime
    routed_at: AwareDatetime
    last_event: str
    last_change_at: AwareDatetime
    sla_state: SlaState | None  # None until the sla-monitor has told the router
    due_at: AwareDatetime | None
    office_due_at: AwareDatetime | None
    institution_due_at: AwareDatetime | None

    @classmethod
    def of(cls, row: sa.Row[Any]) -> CaseSummary:
        """Returns the summary of a read-model row."""
        return cls.model_validate({name: getattr(row, name) for name in cls.model_fields})


class CasePage(BaseModel):
    """One page of a list; next_cursor fetches the next (None: this is the last)."""

    cases: list[CaseSummary]
    next_cursor: str | None


class RoutingExplanation(BaseModel):
    """Why the router decided as it did (its CaseRouted): the words are in the history, for those who
    may read the applicant's words. Empty fields: a decision made before they were kept."""

    decided_by: str
    rule: str
    confidence: float
    suggestion: str  # the most likely institution, routed or not: what the confidence is the chance of
    rule_institution: str
    rule_confidence: float | None
    model: list[ModelChoice]  # the classifier's three most likely institutions
    table_version: str
    model_version: str


class HandRouting(BaseModel):
    """The office's last routing of the case by hand (its CaseRoutedByHand)."""

    institution: str
    previous_institution: str
    reason: str
    # The office could not have routed it from the petition's words either: `route learn` teaches the
    # model triage for it, not `institution`. False on decisions made before it could be said.
    unclear_from_text: bool


class CaseDetail(CaseSummary):
    """A case, its petition and every event of it in the router's log; the applicant's personal data
    and own words only for who may act on the case."""

    rule: str
    confidence: float
    # suggested_institution (above) is a pending transfer's; the routing's own suggestion is here.
    routing: RoutingExplanation | None
    hand_routing: HandRouting | None  # None: never routed by hand
    petition: PetitionView
    history: list[HistoryItem]


def last_of(kind: type[E], events: Sequence[EventEnvelope]) -> E | None:
    """Returns the last event of this kind, parsed (None: the case has none)."""
    found = [event for event in events if event.type == kind.TYPE]
    return kind.from_payload(found[-1].payload, found[-1].schema_version) if found else None


def routing_explanation(events: Sequence[EventEnvelope]) -> RoutingExplanation | None:
    """Returns the explanation of the case's automatic routing (None: not routed by the router)."""
    decision = last_of(CaseRouted, events)
    if decision is None:
        return None
    return RoutingExplanation(
        decided_by=decision.decided_by,
        rule=decision.rule,
        confidence=decision.confidence,
        suggestion=decision.suggestion,
        rule_institution=decision.rule_institution,
        rule_confidence=decision.rule_confidence,
        model=decision.model_top,
        table_version=decision.table_version,
        model_version=decision.model_version,
    )


def hand_routing(events: Sequence[EventEnvelope]) -> HandRouting | None:
    """Returns the case's last routing by hand (None: the office never routed it by hand)."""
    decision = last_of(CaseRoutedByHand, events)
    return None if decision is None else HandRouting.model_validate(decision.model_dump())


class InstitutionLoad(BaseModel):
    """An institution's open cases, counted by SLA state ("unknown": not told yet)."""

    institution: str
    name: str
    open: int
    by_sla_state: dict[str, int]


Limit = Annotated[int, Query(ge=1, le=200)]
CursorText = Annotated[str | None, Query(max_length=200)]
InstitutionCode = Annotated[str | None, Query(max_length=60)]
AnyStaff = Annotated[StaffIdentity, Depends(requires(*EVERY_ROLE))]
OfficeStaff = Annotated[StaffIdentity, Depends(requires(*OFFICE_VIEW))]


class Filters(BaseModel):
    """The filters every list takes."""

    institution: str | None = None
    stage: Stage | None = None
    sla_state: SlaState | None = None
    due_before: AwareDatetime | None = None

    def narrowed(self, **fixed: Any) -> CaseFilter:
        """Returns the list's filter: these, then what the view fixes (its stages…)."""
        chosen: dict[str, Any] = {
            "institution": self.institution,
            "sla_state": None if self.sla_state is None else self.sla_state.value,
            "due_before": self.due_before,
        }
        if self.stage is not None:
            chosen["stages"] = [self.stage.value]
        return CaseFilter(**(chosen | fixed))


def _filters(
    institution: InstitutionCode = None,
    stage: Stage | None = None,
    sla_state: SlaState | None = None,
    due_before: AwareDatetime | None = None,
) -> Filters:
    return Filters(institution=institution, stage=stage, sla_state=sla_state, due_before=due_before)


ListFilters = Annotated[Filters, Depends(_filters)]


def views_router(
    read_engine: AsyncEngine, store: SqlAlchemyEventStore, reference: ReferenceData
) -> APIRouter:
    """Returns the read routes, reading the router's read model and log."""
    router = APIRouter(prefix="/api/v1", responses=ERROR_RESPONSES, dependencies=[Security(bearer)])

    async def page(where: CaseFilter, limit: int, cursor: str | None) -> JSONResponse | CasePage:
        try:
            after = None if cursor is None else Cursor.decode(cursor)
        except InvalidCursor:
            return error(422, "INVALID_CURSOR", INVALID_CURSOR_TR, "cursor")
        async with read_engine.connect() as connection:
            rows, following = await list_cases(connection, where, limit=limit, after=after)
        return CasePage(
            cases=[CaseSummary.of(row) for row in rows],
            next_cursor=None if following is None else following.encode(),
        )

    @router.get("/inbox", tags=["inbox"], response_model=CasePage)
    async def inbox(
        staff: AnyStaff,
        filters: ListFilters,
        limit: Limit = 50,
        cursor: CursorText = None,
    ) -> Any:
        """Open cases (or those of one stage), nearest due moment first; an institution officer's own."""
        if Role.INSTITUTION_OFFICER in staff.roles:
            if filters.institution not in (None, staff.institution):
                raise Forbidden(ForbiddenCode.OTHER_INSTITUTION)
            filters = filters.model_copy(update={"institution": staff.institution})
        return await page(filters.narrowed(), limit, cursor)

    @router.get("/cases/{number}", tags=["inbox"], response_model=CaseDetail)
    async def case_detail(
        request: Request,
        staff: AnyStaff,
        number: CaseNumber,
    ) -> Any:
        """The case, where it stands, the petition to answer and its full history in the router."""
        async with read_engine.connect() as connection:
            row = await case_row(connection, number)
            if row is None or not may_read(staff, row.institution):
                return case_not_found(request)
            events = await store.read_correlated(connection, [number])
        summary = CaseSummary.of(row).model_dump()
        works_it = may_act_on(staff, row.institution)
        return CaseDetail(
            **summary,
            rule=row.rule,
            confidence=row.confidence,
            routing=routing_explanation(events),
            hand_routing=hand_routing(events),
            petition=petition_view(events, reference, personal=works_it),
            history=visible_history(events, applicant_words=works_it),
        )

    @router.get("/office/triage", tags=["office"], response_model=CasePage)
    async def triage(
        _staff: OfficeStaff, filters: ListFilters, limit: Limit = 50, cursor: CursorText = None
    ) -> Any:
        """Cases the routing table left to the office, to be routed by hand."""
        return await page(filters.narrowed(stages=[Stage.TRIAGE.value]), limit, cursor)

    @router.get("/office/review", tags=["office"], response_model=CasePage)
    async def review(
        _staff: OfficeStaff, filters: ListFilters, limit: Limit = 50, cursor: CursorText = None
    ) -> Any:
        """Answered cases awaiting the office's review."""
        return await page(filters.narrowed(stages=[Stage.ANSWERED.value]), limit, cursor)

    @router.get("/office/transfers", tags=["office"], response_model=CasePage)
    async def transfers(
        _staff: OfficeStaff, filters: ListFilters, limit: Limit = 50, cursor: CursorText = None
    ) -> Any:
        """Open cases whose institution asked for a transfer the office has not decided yet."""
        return await page(filters.narrowed(transfer_pending=True), limit, cursor)

    @router.get("/office/institutions", tags=["office"], response_model=list[InstitutionLoad])
    async def institutions(_staff: OfficeStaff) -> list[InstitutionLoad]:
        """Every institution's open cases, counted by SLA state."""
        async with read_engine.connect() as connection:
            counts = await open_counts(connection)
        return [
            InstitutionLoad(
                institution=code,
                name=reference.institution(code).name if code in reference.institutions else code,
                open=sum(by_state.values()),
                by_sla_state={state.value: by_state.get(state.value, 0) for state in SlaState}
                | {"unknown": by_state.get(None, 0)},
            )
            for code, by_state in sorted(counts.items())
        ]

    return router
