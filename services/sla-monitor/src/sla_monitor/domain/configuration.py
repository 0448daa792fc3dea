"""What the clocks are computed with: the calendar and the budgets, as data with a version.

The version is a digest of everything a due moment depends on besides a case's own events: the
holiday tables (the `holidays` package's version: a new release may fix a bayram's dates), the
half-day choice, the office's closures (idari izin), the office's budget and each institution's. Each
clock records the version it was computed with (`DeadlineSet`, `ClocksReopened`, `DeadlinesRecomputed`);
a service started with another version recomputes every open clock (sla_monitor/recompute.py).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cached_property
from importlib.metadata import version as package_version

from sla_monitor.domain.calendar import BusinessCalendar, CalendarSettings
from sla_monitor.domain.clock import DEFAULT_BUDGET_DAYS, MAX_BUDGET_DAYS

DEFAULT_INSTITUTION_BUDGET_DAYS = 5


@dataclass(frozen=True)
class ClockConfiguration:
    """The calendar settings, the office's budget and the institutions' budgets (default and own)."""

    calendar: CalendarSettings = field(default_factory=CalendarSettings)
    office_budget_days: int = DEFAULT_BUDGET_DAYS
    institution_budget_days: int = DEFAULT_INSTITUTION_BUDGET_DAYS
    institution_budgets: tuple[tuple[str, int], ...] = ()  # (institution code, business days)

    def __post_init__(self) -> None:
        budgets = [self.office_budget_days, self.institution_budget_days]
        budgets += [days for _, days in self.institution_budgets]
        if any(not 1 <= days <= MAX_BUDGET_DAYS for days in budgets):
            raise ValueError(f"every budget must be 1..{MAX_BUDGET_DAYS} business days")
        codes = [code for code, _ in self.institution_budgets]
        if len(set(codes)) != len(codes):
            raise ValueError("an institution's budget is configured twice")

    def budget_of(self, institution: str) -> int:
        """Returns the institution's budget: its own if configured, else the default."""
        return dict(self.institution_budgets).get(institution, self.institution_budget_days)

    def business_calendar(self) -> BusinessCalendar:
        """Returns the calendar these settings describe."""
        return BusinessCalendar(self.calendar)

    @cached_property
    def version(self) -> str:
        """Returns a short digest of everything here and of the holiday tables' version."""
        described = {
            "holidays": package_version("holidays"),
            "half_days_are_business_days": self.calendar.half_days_are_business_days,
            "closures": sorted(day.isoformat() for day in self.calendar.closures),
            "office_budget_days": self.office_budget_days,
            "institution_budget_days": self.institution_budget_days,
            "institution_budgets": sorted(self.institution_budgets),
        }
        digest = hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()
        return f"c-{digest[:12]}"
