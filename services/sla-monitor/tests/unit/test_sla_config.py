"""The clock configuration read from ACIKKAPI_SLA_MONITOR_* and the version it gets."""

from __future__ import annotations

from datetime import date

import pytest

from sla_monitor.config import ConfigurationError, load_configuration
from sla_monitor.domain.configuration import ClockConfiguration


def test_unset_is_the_default_configuration() -> None:
    assert load_configuration({}) == ClockConfiguration()
    assert load_configuration({}).version == ClockConfiguration().version


def test_budgets_half_days_and_closures_are_read() -> None:
    configuration = load_configuration(
        {
            "ACIKKAPI_SLA_MONITOR_OFFICE_BUDGET_DAYS": "10",
            "ACIKKAPI_SLA_MONITOR_INSTITUTION_BUDGET_DAYS": "4",
            "ACIKKAPI_SLA_MONITOR_INSTITUTION_BUDGETS": "SAGLIK=3, BELEDIYE_KARS=6",
            "ACIKKAPI_SLA_MONITOR_HALF_DAYS_OFF": "true",
            "ACIKKAPI_SLA_MONITOR_CLOSURES": "2026-05-18, 2026-12-31",
        }
    )
    assert (configuration.office_budget_days, configuration.institution_budget_days) == (10, 4)
    assert (configuration.budget_of("SAGLIK"), configuration.budget_of("EGM")) == (3, 4)
    assert not configuration.calendar.half_days_are_business_days
    assert configuration.calendar.closures == {date(2026, 5, 18), date(2026, 12, 31)}
    assert configuration.version != ClockConfiguration().version


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("OFFICE_BUDGET_DAYS", "seven"),
        ("OFFICE_BUDGET_DAYS", "0"),
        ("INSTITUTION_BUDGETS", "SAGLIK:3"),
        ("INSTITUTION_BUDGETS", "SAGLIK=3,SAGLIK=4"),
        ("HALF_DAYS_OFF", "maybe"),
        ("CLOSURES", "18.05.2026"),
    ],
)
def test_unreadable_settings_are_refused_with_a_clear_error(name: str, value: str) -> None:
    with pytest.raises(ConfigurationError):
        load_configuration({f"ACIKKAPI_SLA_MONITOR_{name}": value})
