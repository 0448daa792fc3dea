"""The sla-monitor's clock configuration from the environment, read once in the composition root.

ACIKKAPI_SLA_MONITOR_OFFICE_BUDGET_DAYS=7
ACIKKAPI_SLA_MONITOR_INSTITUTION_BUDGET_DAYS=5
ACIKKAPI_SLA_MONITOR_INSTITUTION_BUDGETS="SAGLIK_IL_MUDURLUGU=3,BELEDIYE_KARS=10"
ACIKKAPI_SLA_MONITOR_HALF_DAYS_OFF=false   (true: arife and the 28 Ekim afternoon are days off)
ACIKKAPI_SLA_MONITOR_CLOSURES="2026-05-18,2026-12-31"   (idari izin)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import date

from sla_monitor.domain.calendar import CalendarSettings
from sla_monitor.domain.clock import DEFAULT_BUDGET_DAYS
from sla_monitor.domain.configuration import DEFAULT_INSTITUTION_BUDGET_DAYS, ClockConfiguration

PREFIX = "ACIKKAPI_SLA_MONITOR_"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class ConfigurationError(ValueError):
    """A clock setting cannot be read; the message names the variable."""


def load_configuration(environ: Mapping[str, str] = os.environ) -> ClockConfiguration:
    """Returns the clock configuration the environment describes (defaults where unset)."""
    half_days_off = environ.get(f"{PREFIX}HALF_DAYS_OFF", "").strip().lower()
    if half_days_off not in _TRUE | _FALSE:
        raise ConfigurationError(f"{PREFIX}HALF_DAYS_OFF must be true or false, got {half_days_off!r}")
    try:
        closures = frozenset(
            date.fromisoformat(item.strip())
            for item in environ.get(f"{PREFIX}CLOSURES", "").split(",")
            if item.strip()
        )
    except ValueError as error:
        raise ConfigurationError(
            f"{PREFIX}CLOSURES: {error} (dates as YYYY-MM-DD, comma-separated)"
        ) from error
    try:
        return ClockConfiguration(
            calendar=CalendarSettings(
                half_days_are_business_days=half_days_off not in _TRUE, closures=closures
            ),
            office_budget_days=_days(environ, "OFFICE_BUDGET_DAYS", DEFAULT_BUDGET_DAYS),
            institution_budget_days=_days(
                environ, "INSTITUTION_BUDGET_DAYS", DEFAULT_INSTITUTION_BUDGET_DAYS
            ),
            institution_budgets=_institution_budgets(environ.get(f"{PREFIX}INSTITUTION_BUDGETS", "")),
        )
    except ConfigurationError:
        raise
    except ValueError as error:
        raise ConfigurationError(str(error)) from error


def _days(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(f"{PREFIX}{name}", "").strip()
    if not raw:
        return default
    if not raw.isdigit():
        raise ConfigurationError(f"{PREFIX}{name} must be a whole number of business days, got {raw!r}")
    return int(raw)


def _institution_budgets(raw: str) -> tuple[tuple[str, int], ...]:
    budgets: list[tuple[str, int]] = []
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        code, separator, days = item.partition("=")
        if not separator or not code.strip() or not days.strip().isdigit():
            raise ConfigurationError(
                f"{PREFIX}INSTITUTION_BUDGETS: {item!r} is not CODE=DAYS (e.g. SAGLIK_IL_MUDURLUGU=3)"
            )
        budgets.append((code.strip(), int(days)))
    return tuple(budgets)
