"""How an information request's pause ends: the applicant supplies the information, or the case moves.

The router's Case leaves INFORMATION_REQUESTED for ROUTED when the office re-routes it by hand
(router/domain/case.py: a transfer is approved only from ROUTED or ACKNOWLEDGED), and the applicant
can no longer answer that request (`ApplicantRequestRefused`). So a change of institution ends the
pause: both clocks run again from the move, the new institution's with its full budget, and a later
request pauses them again.

Logs recorded before a move ended the pause hold a case paused for a request that is over, with an
institution clock started after the pause began; `moved_while_paused` finds it, and the decider ends
that pause at the move before it decides the next stage of the case (case_clocks.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from acikkapi_shared.events.sla_monitor import ClocksResumed
from sla_monitor.domain.calendar import BusinessCalendar
from sla_monitor.domain.clock import due_moment_as_of

if TYPE_CHECKING:
    from sla_monitor.domain.case_clocks import CaseClocks


def resumed(
    state: CaseClocks, calendar: BusinessCalendar, at: datetime, request_number: int
) -> ClocksResumed:
    """Returns both clocks running again at `at` with what was left, and their due moments."""
    if state.office is None:
        raise ValueError("a case without clocks has nothing to resume")
    institution = state.institution_clock
    institution_due = None
    if institution is not None and not state.answered:
        institution_due = due_moment_as_of(institution, calendar, at)
    return ClocksResumed(
        application_number=state.application_number,
        at=at,
        request_number=request_number,
        office_due_at=due_moment_as_of(state.office, calendar, at),
        institution_due_at=institution_due,
    )


def moved_while_paused(state: CaseClocks) -> datetime | None:
    """Returns when the case moved to the institution it is with, if that was while both clocks were
    paused for an information request and the pause is still recorded as open (an older log), else
    None."""
    office, institution = state.office, state.institution_clock
    if state.paused_for is None or state.closed or office is None or institution is None:
        return None
    paused_at = [pause.started_at for pause in office.pauses if pause.is_open]
    if not paused_at or institution.received_at < paused_at[0]:
        return None
    return institution.received_at
