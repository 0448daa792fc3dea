"""Deadlines per second: due moments of SLA clocks with a pause each, on one core, warm calendar.

uv run python bench/sla_deadlines.py [--n 20000]
"""

from __future__ import annotations

import argparse
import time
from datetime import datetime, timedelta

from sla_monitor.domain.calendar import ISTANBUL, BusinessCalendar
from sla_monitor.domain.clock import Pause, SlaClock, due_moment


def main() -> None:
    """Prints deadlines computed per second."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=20_000)
    args = parser.parse_args()
    first = datetime(2026, 1, 1, 8, 0, tzinfo=ISTANBUL)
    calendar = BusinessCalendar()
    clocks = [
        SlaClock(received, pauses=(Pause(received + timedelta(days=1), received + timedelta(days=3)),))
        for received in (first + timedelta(minutes=617 * index) for index in range(args.n))
    ]
    due_moment(clocks[0], calendar)  # warm the per-year holiday cache
    started = time.perf_counter()
    for clock in clocks:
        due_moment(clock, calendar)
    elapsed = time.perf_counter() - started
    print(f"{args.n} deadlines in {elapsed:.3f} s: {args.n / elapsed:,.0f} deadlines/s")


if __name__ == "__main__":
    main()
