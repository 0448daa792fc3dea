"""The router's read model (rebuildable from its log): each case's institution, stage and SLA facts.

One row per routed case: the stage and what is pending (from the Case's events), the counts the
events carry (information requests, returned answers, reopenings), when it last changed, and the due
moments and SLA state the sla-monitor told (SlaRecorded on the case's `sla:` stream).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar

import sqlalchemy as sa

from acikkapi_shared.events.base import EventPayload
from acikkapi_shared.events.envelope import EventEnvelope
from acikkapi_shared.events.router import (
    AnswerReturned,
    CaseAcknowledged,
    CaseAnswered,
    CaseConcluded,
    CaseReopened,
    CaseRouted,
    CaseRoutedByHand,
    CaseWithdrawn,
    InformationRequested,
    InformationSupplied,
    TransferApproved,
    TransferRefused,
    TransferRequested,
)
from acikkapi_shared.eventstore.projection import (
    SET_NULL,
    Insert,
    TableProjector,
    Update,
    Write,
    WriteRule,
    on,
)
from acikkapi_shared.eventstore.schema import UtcDateTime
from acikkapi_shared.reference import TRIAGE_INSTITUTION
from router.domain.case_rules import Stage
from router.domain.events import SlaRecorded

metadata = sa.MetaData()

cases = sa.Table(
    "cases",
    metadata,
    sa.Column("application_number", sa.String(40), primary_key=True),
    sa.Column("institution", sa.String(60), nullable=False),
    sa.Column("rule", sa.String(120), nullable=False),
    sa.Column("confidence", sa.Float, nullable=False),
    sa.Column("received_at", UtcDateTime, nullable=False),
    sa.Column("routed_at", UtcDateTime, nullable=False),
    sa.Column("stage", sa.String(40), nullable=False, index=True),
    sa.Column("transfer_pending", sa.Boolean, nullable=False, index=True),
    sa.Column("suggested_institution", sa.String(60), nullable=True),
    sa.Column("information_requests", sa.Integer, nullable=False),
    sa.Column("returns", sa.Integer, nullable=False),
    sa.Column("reopenings", sa.Integer, nullable=False),
    sa.Column("last_event", sa.String(60), nullable=False),
    sa.Column("last_change_at", UtcDateTime, nullable=False),
    # From the sla-monitor (NULL until its first event about the case arrives).
    sa.Column("sla_state", sa.String(20), nullable=True),
    sa.Column("due_at", UtcDateTime, nullable=True),
    sa.Column("office_due_at", UtcDateTime, nullable=True),
    sa.Column("institution_due_at", UtcDateTime, nullable=True),
    sa.Column("sla_changed_at", UtcDateTime, nullable=True),
    sa.Index("cases_by_institution_due", "institution", "due_at", "application_number"),
    sa.Index("cases_by_due", "due_at", "application_number"),
)


def routed(decision: CaseRouted, event: EventEnvelope) -> list[Write]:
    """Returns the row of a routing decision."""
    stage = Stage.TRIAGE if decision.institution == TRIAGE_INSTITUTION else Stage.ROUTED
    return [
        Insert(
            cases,
            {
                "application_number": decision.application_number,
                "institution": decision.institution,
                "rule": decision.rule,
                "confidence": decision.confidence,
                "received_at": decision.received_at,
                "routed_at": event.occurred_at,
                "stage": stage.value,
                "transfer_pending": False,
                "suggested_institution": None,
                "information_requests": 0,
                "returns": 0,
                "reopenings": 0,
                "last_event": event.type,
                "last_change_at": event.occurred_at,
                "sla_state": None,
                "due_at": None,
                "office_due_at": None,
                "institution_due_at": None,
                "sla_changed_at": None,
            },
        )
    ]


def _change(event: EventEnvelope, number: str, **values: Any) -> list[Write]:
    """Returns the update of a case's row for one of its events (None keeps a column)."""
    values |= {"last_event": event.type, "last_change_at": event.occurred_at}
    return [Update(cases, "application_number", number, values)]


def _stage_rule(stage: Stage) -> Callable[[Any, EventEnvelope], list[Write]]:
    def rule(payload: Any, event: EventEnvelope) -> list[Write]:
        return _change(event, payload.application_number, stage=stage.value)

    return rule


def moved(payload: CaseRoutedByHand | TransferApproved, event: EventEnvelope) -> list[Write]:
    """Returns the row with its new institution."""
    return _change(
        event,
        payload.application_number,
        stage=Stage.ROUTED.value,
        institution=payload.institution,
        transfer_pending=False,
        suggested_institution=SET_NULL,
    )


def information_requested(payload: InformationRequested, event: EventEnvelope) -> list[Write]:
    """Returns the row waiting for the applicant."""
    return _change(
        event,
        payload.application_number,
        stage=Stage.INFORMATION_REQUESTED.value,
        information_requests=payload.request_number,
    )


def answer_returned(payload: AnswerReturned, event: EventEnvelope) -> list[Write]:
    """Returns the row back with the institution."""
    return _change(event, payload.application_number, stage=Stage.ACKNOWLEDGED.value, returns=payload.returns)


def transfer_requested(payload: TransferRequested, event: EventEnvelope) -> list[Write]:
    """Returns the row with a transfer pending."""
    suggested = payload.suggested_institution or SET_NULL
    return _change(event, payload.application_number, transfer_pending=True, suggested_institution=suggested)


def transfer_refused(payload: TransferRefused, event: EventEnvelope) -> list[Write]:
    """Returns the row with no transfer pending."""
    return _change(event, payload.application_number, transfer_pending=False, suggested_institution=SET_NULL)


def withdrawn(payload: CaseWithdrawn, event: EventEnvelope) -> list[Write]:
    """Returns the row of a withdrawn case."""
    return _change(
        event,
        payload.application_number,
        stage=Stage.WITHDRAWN.value,
        transfer_pending=False,
        suggested_institution=SET_NULL,
    )


def reopened(payload: CaseReopened, event: EventEnvelope) -> list[Write]:
    """Returns the row of a reopened case."""
    return _change(event, payload.application_number, stage=Stage.ROUTED.value, reopenings=payload.reopenings)


def _or_null(value: datetime | None) -> datetime | object:
    return SET_NULL if value is None else value


def sla_recorded(facts: SlaRecorded, event: EventEnvelope) -> list[Write]:
    """Returns the row with the due moments and SLA state the sla-monitor last told."""
    values = {
        "sla_state": facts.sla_state,
        "due_at": _or_null(facts.due_at),
        "office_due_at": _or_null(facts.office_due_at),
        "institution_due_at": _or_null(facts.institution_due_at),
        "sla_changed_at": event.occurred_at,
    }
    return [Update(cases, "application_number", facts.application_number, values)]


_STAGES: list[tuple[type[EventPayload], Stage]] = [
    (CaseAcknowledged, Stage.ACKNOWLEDGED),
    (InformationSupplied, Stage.ACKNOWLEDGED),
    (CaseAnswered, Stage.ANSWERED),
    (CaseConcluded, Stage.CONCLUDED),
]


class RouterProjector(TableProjector):
    """The router's read model."""

    VERSION: ClassVar[str] = "2"  # 2: stages, counts, transfers and SLA facts
    metadata: ClassVar[sa.MetaData] = metadata
    rules: ClassVar[dict[str, WriteRule]] = dict(
        [
            on(CaseRouted, routed),
            on(CaseRoutedByHand, moved),
            on(TransferApproved, moved),
            on(InformationRequested, information_requested),
            on(AnswerReturned, answer_returned),
            on(TransferRequested, transfer_requested),
            on(TransferRefused, transfer_refused),
            on(CaseWithdrawn, withdrawn),
            on(CaseReopened, reopened),
            on(SlaRecorded, sla_recorded),
            *(on(kind, _stage_rule(stage)) for kind, stage in _STAGES),
        ]
    )
