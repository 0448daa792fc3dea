"""The sla-monitor's CaseClocks decider, given events / when a command / then events: no database."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from acikkapi_shared.events.sla_monitor import DeadlineSet
from acikkapi_shared.testing.in_process import decide_after
from sla_monitor.domain.calendar import BusinessCalendar
from sla_monitor.domain.case_clocks import StartClocks, case_clocks_decider

ISTANBUL = ZoneInfo("Europe/Istanbul")
NUMBER = "2026-000001-N"
clocks = case_clocks_decider(BusinessCalendar())


def test_a_routed_case_gets_the_end_of_the_seventh_business_day() -> None:
    start = StartClocks(NUMBER, "BELEDIYE_KARS", datetime(2026, 5, 22, 14, 0, tzinfo=ISTANBUL))
    (deadline,) = decide_after(clocks, NUMBER, [], start)
    assert isinstance(deadline, DeadlineSet) and deadline.budget_days == 7
    # Friday 22 May 2026 → Friday 5 June (Kurban Bayramı 26-30 May is not counted).
    assert deadline.due_at == datetime(2026, 6, 5, 23, 59, 59, tzinfo=ISTANBUL)


def test_a_running_clock_is_not_started_again() -> None:
    start = StartClocks(NUMBER, "BELEDIYE_KARS", datetime(2026, 3, 17, 10, 0, tzinfo=ISTANBUL))
    (first,) = decide_after(clocks, NUMBER, [], start)
    assert decide_after(clocks, NUMBER, [first], start) == []
