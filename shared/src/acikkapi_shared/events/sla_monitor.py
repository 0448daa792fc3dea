"""Public events of the sla-monitor service."""

from __future__ import annotations

from pydantic import AwareDatetime

from acikkapi_shared.events.base import EventPayload


class DeadlineSet(EventPayload):
    """The case's clocks started at its routing: the office's, and the institution's first one.

    The institution_* fields are None in events recorded before they existed: an
    InstitutionDeadlineSet of generation 1 followed those. One event for both clocks, because every
    consumer of the sla-monitor's topic receives each event it publishes (three consumers).
    """

    TYPE = "DeadlineSet"

    application_number: str
    institution: str
    received_at: AwareDatetime
    budget_days: int
    due_at: AwareDatetime
    next_timer_at: AwareDatetime | None = None
    config_version: str = ""  # the calendar and budgets it was computed with ("" before versions)
    institution_started_at: AwareDatetime | None = None
    institution_budget_days: int | None = None
    institution_due_at: AwareDatetime | None = None


# The two nested clocks of a case (sla-monitor/README "Clocks"): the office's (budget_days from
# receipt to conclusion) and the institution's (its own budget from routing to its answer). A due
# moment is always derived from a budget and a pause log; these events say when it changed.
# Every clock event, DeadlineSet included, carries the case's next timer once it is recorded: the
# timer loop's schedule (derived from the clocks, like due_at; None when no timer is pending).


class InstitutionDeadlineSet(EventPayload):
    """An institution's clock started again (a transfer, re-routing by hand, a reopening; at the
    routing before DeadlineSet carried the first one)."""

    TYPE = "InstitutionDeadlineSet"

    application_number: str
    institution: str
    started_at: AwareDatetime
    budget_days: int
    due_at: AwareDatetime
    generation: int  # 1, 2, … : each start of an institution clock on this case
    next_timer_at: AwareDatetime | None = None


class ClocksPaused(EventPayload):
    """Both clocks stopped (information awaited from the applicant)."""

    TYPE = "ClocksPaused"

    application_number: str
    at: AwareDatetime
    reason: str  # INFORMATION_REQUESTED
    request_number: int
    next_timer_at: AwareDatetime | None = None


class ClocksResumed(EventPayload):
    """Both clocks run again with what was left of their budgets; the new due moments."""

    TYPE = "ClocksResumed"

    application_number: str
    at: AwareDatetime
    request_number: int
    office_due_at: AwareDatetime
    institution_due_at: AwareDatetime | None
    next_timer_at: AwareDatetime | None = None


class InstitutionClockStopped(EventPayload):
    """The institution answered: its clock stops, on time or not."""

    TYPE = "InstitutionClockStopped"

    application_number: str
    institution: str
    at: AwareDatetime
    on_time: bool
    next_timer_at: AwareDatetime | None = None


class InstitutionClockResumed(EventPayload):
    """The office returned the answer: the institution's clock runs again with what was left."""

    TYPE = "InstitutionClockResumed"

    application_number: str
    institution: str
    at: AwareDatetime
    due_at: AwareDatetime
    next_timer_at: AwareDatetime | None = None


class ClocksClosed(EventPayload):
    """The case was concluded or withdrawn: both clocks stop for good (until a reopening)."""

    TYPE = "ClocksClosed"

    application_number: str
    at: AwareDatetime
    reason: str  # CONCLUDED, WITHDRAWN
    on_time: bool  # the office's clock: concluded within its budget
    next_timer_at: AwareDatetime | None = None
    # When the office's clock started: the receipt, or the last reopening (None in events before it).
    started_at: AwareDatetime | None = None


class ClocksReopened(EventPayload):
    """An objection reopened the case: a new office clock from the reopening (the number is kept)."""

    TYPE = "ClocksReopened"

    application_number: str
    at: AwareDatetime
    budget_days: int
    due_at: AwareDatetime
    cycle: int  # 1 for the first clock, 2 after the first reopening, …
    next_timer_at: AwareDatetime | None = None
    config_version: str = ""


class DeadlinesRecomputed(EventPayload):
    """The calendar or the budgets changed (a new configuration version): an open case's clocks were
    computed again, their budgets replaced, their pauses kept. A due moment is None while its clock is
    paused or answered; the institution's fields are None when it has no clock."""

    TYPE = "DeadlinesRecomputed"

    application_number: str
    at: AwareDatetime
    config_version: str
    previous_config_version: str
    office_budget_days: int
    office_due_before: AwareDatetime | None
    office_due_at: AwareDatetime | None
    institution_budget_days: int | None
    institution_due_before: AwareDatetime | None
    institution_due_at: AwareDatetime | None
    next_timer_at: AwareDatetime | None = None


class DeadlineWarning(EventPayload):
    """A due moment is near (the warning ladder: so many business days before)."""

    TYPE = "DeadlineWarning"

    application_number: str
    clock: str  # office, institution
    institution: str
    days_before: int
    due_at: AwareDatetime
    late: bool  # fired after its moment (the service was down then)
    next_timer_at: AwareDatetime | None = None


class DeadlineBreached(EventPayload):
    """A due moment passed with the work not done."""

    TYPE = "DeadlineBreached"

    application_number: str
    clock: str
    institution: str
    due_at: AwareDatetime
    late: bool
    next_timer_at: AwareDatetime | None = None


class CaseEscalated(EventPayload):
    """A breach still open after so many business days goes up: to the office, then the supervisor."""

    TYPE = "CaseEscalated"

    application_number: str
    clock: str
    institution: str
    level: str  # office, supervisor
    due_at: AwareDatetime
    late: bool
    next_timer_at: AwareDatetime | None = None
