"""How many timers fall on each moment for sla_million's layout of receipts: the bursts that a
load of open clocks really produces.

Every case of sla_million's build is received and routed at 10:00 on its day of receipt, to one
institution with the default configuration, and none is ever answered or concluded; so every case
of one day has the same timers, and a moment's burst is the number of cases of each day whose timers
fall on it. A day's timers are the decider's own: StartClocks decided on a new case, and every timer
`unfired_timers` lists for the state after it, which is what the timer loop meets.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime
from datetime import time as day_time
from statistics import median
from zoneinfo import ZoneInfo

from acikkapi_shared.decider import fold
from sla_monitor import seeding
from sla_monitor.domain.case_clocks import DEFAULT_POLICY, configured_clocks, unfired_timers
from sla_monitor.domain.clock_commands import StartClocks
from sla_monitor.domain.configuration import ClockConfiguration

ISTANBUL = ZoneInfo("Europe/Istanbul")


def timer_moments(day: date, configuration: ClockConfiguration) -> list[datetime]:
    """Returns the moment of every timer of a case received and routed at 10:00 on day."""
    decider = configured_clocks(configuration)
    at = datetime.combine(day, day_time(10, 0), tzinfo=ISTANBUL)
    number = "2027-0000000-B"
    started = decider.decide(
        StartClocks(number, seeding.INSTITUTION, at, routed_at=at), decider.initial(number)
    )
    state = fold(decider, number, started)
    pending = unfired_timers(state, configuration.business_calendar(), DEFAULT_POLICY)
    return [timer.moment for _, timer, _ in pending]


def bursts(layout: Sequence[tuple[date, int]], configuration: ClockConfiguration) -> Counter[datetime]:
    """Returns how many timers fall on each moment, for (day of receipt, cases) pairs."""
    per_moment: Counter[datetime] = Counter()
    for day, cases in layout:
        for moment in timer_moments(day, configuration):
            per_moment[moment] += cases
    return per_moment


def summary(per_moment: Counter[datetime], first: datetime) -> dict[str, object]:
    """Returns the burst at the first moment, and the size of bursts over every moment: the largest,
    the median, and the share of all timers that fall in a burst of 10,000 or more."""
    sizes = sorted(per_moment.values())
    total = sum(sizes)
    largest = per_moment.most_common(1)[0]
    return {
        "timers": total,
        "moments": len(sizes),
        "first_moment_timers": per_moment.get(first, 0),
        "largest": largest[1],
        "largest_at": largest[0].isoformat(),
        "median": round(median(sizes)),
        "share_in_bursts_of_10000_or_more": round(sum(s for s in sizes if s >= 10_000) / total, 3),
    }
