"""The router's business metrics: routings counted from committed events (never inside a retried
transaction), and the open cases by institution and SLA state read from its read model at scrape time."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import sqlalchemy as sa
import structlog
from prometheus_client import Counter, Gauge
from sqlalchemy.ext.asyncio import AsyncEngine

from acikkapi_shared.events.envelope import EventEnvelope
from acikkapi_shared.events.router import CaseRouted, CaseRoutedByHand
from acikkapi_shared.observability.scrape import Refresh
from acikkapi_shared.reference import TRIAGE_INSTITUTION
from router.domain.case_rules import Stage
from router.domain.deadlines import SlaState
from router.projections import cases

log = structlog.get_logger(__name__)

CASES_ROUTED = Counter(
    "acikkapi_cases_routed_total",
    "Cases the router assigned, by institution and kind (rule, triage, by_hand)",
    ["institution", "kind"],
)
CASES_OPEN = Gauge(
    "acikkapi_cases_open",
    "Open cases (neither concluded nor withdrawn) by institution and SLA state (on_time, due_soon, "
    "breached, paused; not_started before the sla-monitor told one), from the router's read model",
    ["institution", "sla_state"],
)

OPEN_SLA_STATES = (
    SlaState.ON_TIME.value,
    SlaState.DUE_SOON.value,
    SlaState.BREACHED.value,
    SlaState.PAUSED.value,
    "not_started",
)
_FINISHED = (Stage.CONCLUDED.value, Stage.WITHDRAWN.value)


def prime(institutions: Iterable[str]) -> None:
    """Creates the routing series of every institution at 0 (a series born at 1 shows no increase)."""
    for institution in institutions:
        if institution == TRIAGE_INSTITUTION:
            CASES_ROUTED.labels(institution, "triage")
        else:
            CASES_ROUTED.labels(institution, "rule")
            CASES_ROUTED.labels(institution, "by_hand")


def committed(events: Sequence[EventEnvelope]) -> None:
    """Counts and logs the routing decisions of a commit."""
    for event in events:
        if event.type == CaseRouted.TYPE:
            institution = str(event.payload["institution"])
            kind = "triage" if institution == TRIAGE_INSTITUTION else "rule"
            CASES_ROUTED.labels(institution, kind).inc()
            log.info(
                "case_routed",
                application_number=event.correlation_id,
                institution=institution,
                rule=event.payload.get("rule"),
                confidence=event.payload.get("confidence"),
            )
        elif event.type == CaseRoutedByHand.TYPE:
            CASES_ROUTED.labels(str(event.payload["institution"]), "by_hand").inc()


def open_cases_query() -> sa.Select[str, str | None, int]:
    """Returns the count of open cases by institution and SLA state (one scan of the cases table)."""
    return (
        sa.select(cases.c.institution, cases.c.sla_state, sa.func.count())
        .where(cases.c.stage.not_in(_FINISHED))
        .group_by(cases.c.institution, cases.c.sla_state)
    )


def set_open_cases(institutions: Iterable[str], rows: Iterable[tuple[str, str | None, int]]) -> None:
    """Sets the gauge: every known institution and open state gets a value, 0 when it has none, so a
    series never disappears when its last case is concluded."""
    values = {(institution, state): 0 for institution in institutions for state in OPEN_SLA_STATES}
    for institution, state, count in rows:
        key = (institution, state or "not_started")
        values[key] = values.get(key, 0) + count
    for (institution, state), count in values.items():
        CASES_OPEN.labels(institution, state).set(count)


def open_cases_refresher(engine: AsyncEngine, institutions: Iterable[str]) -> Refresh:
    """Returns the scrape-time refresher of the open-cases gauge on the router's read engine."""
    known = sorted(set(institutions))

    async def refresh() -> None:
        async with engine.connect() as connection:
            result = await connection.execute(open_cases_query())
            rows = [(str(institution), state, int(count)) for institution, state, count in result]
            await connection.rollback()
        set_open_cases(known, rows)

    return refresh
