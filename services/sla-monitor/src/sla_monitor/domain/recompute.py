"""A case's clocks computed again under a new configuration (calendar, budgets): pure.

The budgets are replaced by the configured ones (the office's, the institution's), the pauses are kept,
and the due moments follow from them on the new calendar. Fired timers stay fired: their keys name the
clock's generation, which a recomputation keeps, so a warning already sent is not sent again when its
due moment moves; a timer whose moment moved into the past fires on the next tick, marked late.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from acikkapi_shared.events.sla_monitor import DeadlinesRecomputed
from sla_monitor.domain.calendar import BusinessCalendar
from sla_monitor.domain.clock import due_moment

if TYPE_CHECKING:
    from sla_monitor.domain.case_clocks import CaseClocks


def recomputed(
    state: CaseClocks,
    at: datetime,
    config_version: str,
    calendar: BusinessCalendar,
    office_budget_days: int,
    institution_budget: Callable[[str], int],
) -> DeadlinesRecomputed:
    """Returns what the case's clocks are under this configuration, next to what they were."""
    if state.office is None:
        raise ValueError("a case without clocks has nothing to recompute")
    office = replace(state.office, budget_days=office_budget_days)
    institution_budget_days: int | None = None
    institution_due: datetime | None = None
    if state.institution_clock is not None and state.institution is not None:
        institution_budget_days = institution_budget(state.institution)
        institution = replace(state.institution_clock, budget_days=institution_budget_days)
        institution_due = None if state.answered else due_moment(institution, calendar)
    return DeadlinesRecomputed(
        application_number=state.application_number,
        at=at,
        config_version=config_version,
        previous_config_version=state.config_version,
        office_budget_days=office_budget_days,
        office_due_before=state.office_due_at,
        office_due_at=due_moment(office, calendar),
        institution_budget_days=institution_budget_days,
        institution_due_before=state.institution_due_at,
        institution_due_at=institution_due,
    )
