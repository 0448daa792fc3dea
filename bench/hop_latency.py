"""Where an application's time goes: the delay of each hop, from the events' `recorded_at` in each
service's own SQLite log (a stack started with `uv run acikkapi dev up`, after a bench run).

For the last --last applications registered: intake records ApplicationRegistered -> the router records
CaseRouted -> the sla-monitor records DeadlineSet -> the notifier records the registered SMS's
SmsRequested -> SmsClaimed (planned into a job) -> SmsAccepted (the provider's answer). Prints p50, p90,
p99 and max of each hop in milliseconds. All services run on one machine, so one clock.

    uv run python bench/hop_latency.py [--data var/data] [--last 2000]
"""

from __future__ import annotations

import argparse
import sqlite3
from datetime import datetime
from pathlib import Path

HOPS = [
    ("intake", "ApplicationRegistered"),
    ("router", "CaseRouted"),
    ("sla-monitor", "DeadlineSet"),
    ("notifier", "SmsRequested"),
    ("notifier", "SmsClaimed"),
    ("notifier", "SmsAccepted"),
]


def first_recorded(database: Path, event_type: str) -> dict[str, datetime]:
    """Returns, per application number, when its first event of this type was recorded."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        rows = connection.execute(
            "SELECT correlation_id, MIN(recorded_at) FROM events WHERE type = ? GROUP BY correlation_id",
            (event_type,),
        ).fetchall()
    return {number: datetime.fromisoformat(moment) for number, moment in rows}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=Path("var/data"))
    parser.add_argument("--last", type=int, default=2000)
    args = parser.parse_args()
    moments = [first_recorded(args.data / f"{service}.db", kind) for service, kind in HOPS]
    registered = moments[0]
    numbers = sorted(registered, key=lambda number: registered[number])[-args.last :]
    numbers = [number for number in numbers if all(number in found for found in moments)]
    print(f"{len(numbers)} applications with every hop recorded")
    print(f"{'hop':<46} {'p50':>8} {'p90':>8} {'p99':>8} {'max':>8}  (ms)")
    for (service, kind), (next_service, next_kind), before, after in zip(
        HOPS, HOPS[1:], moments, moments[1:], strict=False
    ):
        delays = [(after[number] - before[number]).total_seconds() * 1000 for number in numbers]
        name = f"{service}:{kind} -> {next_service}:{next_kind}"
        print(
            f"{name:<46} {percentile(delays, 0.5):8.0f} {percentile(delays, 0.9):8.0f}"
            f" {percentile(delays, 0.99):8.0f} {max(delays):8.0f}"
        )
    total = [(moments[-1][n] - moments[0][n]).total_seconds() * 1000 for n in numbers]
    print(
        f"{'registered -> SMS accepted':<46} {percentile(total, 0.5):8.0f} {percentile(total, 0.9):8.0f}"
        f" {percentile(total, 0.99):8.0f} {max(total):8.0f}"
    )


if __name__ == "__main__":
    main()
