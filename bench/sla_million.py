"""The sla-monitor with 1,000,000 open clocks: its memory, and the delay from a due moment to its events.

uv run python bench/sla_million.py [--clocks 1000000] [--measured 3000] [--data var/bench/sla-million]

Two phases, each its own process so that each one's RSS is its own:

build  the store, through the service's real write path: the sla-monitor's runtime (composition
       root, timers off) fed CaseRouted messages of the router's topic in batches of --batch through its
       processor, exactly as the Kafka consumer hands them over (translator -> decider -> event store ->
       projection, one transaction per batch), the relay publishing to a sink that drops the records.
       Kept under --data with its layout (layout.json): a second run with the same --clocks and
       --measured skips it; each run phase works on a copy (--data/run), so it always starts before any
       timer fired.
run    the sla-monitor's runtime as it serves (timer loop and start-up recomputation on, the relay on,
       no Kafka consumer), on a clock shifted to --lead seconds before the first due moment and running
       at --rate times real speed. --measured cases were received on Thursday 25 February 2027, so
       their first timer (the institution's warning two business days before its due day) is due at
       Tuesday 2 March 2027 00:00 Istanbul: that moment's burst; every other case was received on a
       later business day, so nothing else is due before Wednesday. It waits until each measured case's
       warning is committed and published, and prints, over all the burst's timers, the delay from the
       due moment to (a) the event's recorded_at (stamped inside its transaction, before the commit),
       (b) its commit (durable, the moment the service tells anyone: a commit listener's clock time) and
       (c) its publication (the relay handing it to the producer; the broker is a sink here): p50, p90,
       p99, max and the share under 1 s, in real seconds (clock time divided by --rate); and the
       process's RSS, peak (VmHWM) and steady (VmRSS once the burst is over). It also checks that no
       event of the burst was recorded before its moment and that each measured case fired once.
       `bursts` says what the layout produces at every moment (sla_bursts.py): the burst of the first
       moment, the largest and the median over all the layout's moments.
"""

from __future__ import annotations

import argparse
import asyncio
import glob
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Awaitable, Sequence
from datetime import UTC, date, datetime, timedelta
from datetime import time as day_time
from pathlib import Path
from zoneinfo import ZoneInfo

import sla_bursts
import sqlalchemy as sa

from acikkapi_shared.clock import Clock, ShiftedClock
from acikkapi_shared.events.envelope import EventEnvelope
from acikkapi_shared.eventstore.schema import events, relay_positions
from acikkapi_shared.observability.logging import configure_logging
from acikkapi_shared.runtime import ServiceRuntime
from acikkapi_shared.settings import ServiceSettings
from acikkapi_shared.testing.in_process import Feed, running
from sla_monitor import seeding
from sla_monitor.app import build_runtime
from sla_monitor.domain.calendar import BusinessCalendar
from sla_monitor.domain.configuration import ClockConfiguration
from sla_monitor.projections import clocks

ISTANBUL = ZoneInfo("Europe/Istanbul")
MEASURED_DAY = date(2027, 2, 25)  # Thursday: + 3 business days = Tuesday 2 March, the first timer
FIRST_DUE = datetime(2027, 3, 2, 0, 0, tzinfo=ISTANBUL)


class DroppingPublisher:
    """The relay's sink: acknowledges every record at once and keeps none; with a clock, notes when
    each DeadlineWarning was handed to it (clock time, by event id)."""

    def __init__(self, clock: Clock | None = None) -> None:
        self._clock = clock
        self.sent: dict[str, datetime] = {}

    async def send(self, topic: str, key: bytes, value: bytes, headers: dict[str, str]) -> Awaitable[object]:
        if self._clock is not None and headers.get("event_type") == "DeadlineWarning":
            self.sent[headers["event_id"]] = self._clock.now()
        done: asyncio.Future[object] = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done


class CommitStamps:
    """A commit listener: when each DeadlineWarning's transaction was committed and durable (clock
    time, by event id), and when it was recorded (its recorded_at)."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self.committed: dict[str, datetime] = {}
        self.recorded: dict[str, datetime] = {}
        self.cases: list[str] = []

    def __call__(self, events: Sequence[EventEnvelope]) -> None:
        now = self._clock.now()
        for event in events:
            if event.type == "DeadlineWarning":
                self.committed[str(event.event_id)] = now
                self.recorded[str(event.event_id)] = event.recorded_at
                self.cases.append(event.stream_id)


def memory() -> dict[str, float]:
    """Returns this process's RSS now and its peak, in MB (Linux /proc)."""
    fields = dict(
        line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line
    )
    return {name: int(fields[key].split()[0]) / 1024 for name, key in (("rss", "VmRSS"), ("peak", "VmHWM"))}


def database_mb(data: Path) -> int:
    """Returns the size of the sla-monitor's SQLite files, in MB."""
    return round(sum(os.path.getsize(path) for path in glob.glob(str(data / "sla-monitor.db*"))) / 2**20)


def settings_on(data: Path) -> ServiceSettings:
    return ServiceSettings(service="sla-monitor", data_dir=data, create_topics=False)


def receipt_days(count: int, measured: int) -> list[tuple[date, int]]:
    """Returns (receipt day, cases) so that `measured` cases fall on MEASURED_DAY and the others on the
    business days after it, about 4,000 a day."""
    calendar = BusinessCalendar()
    layout = [(MEASURED_DAY, measured)]
    day, left = MEASURED_DAY, count - measured
    while left > 0:
        day = calendar.next_business_day(day)
        layout.append((day, min(4_000, left)))
        left -= layout[-1][1]
    return layout


async def open_clocks(runtime: ServiceRuntime) -> int:
    async with runtime.engine.connect() as connection:
        query = sa.select(sa.func.count()).select_from(clocks).where(clocks.c.open.is_(True))
        return int((await connection.execute(query)).scalar_one())


async def relayed_all(runtime: ServiceRuntime) -> bool:
    async with runtime.engine.connect() as connection:
        last = (await connection.execute(sa.select(sa.func.max(events.c.position)))).scalar_one() or 0
        done = (await connection.execute(sa.select(sa.func.max(relay_positions.c.position)))).scalar_one()
        return int(done or 0) >= int(last)


async def build(data: Path, count: int, measured: int, batch: int) -> None:
    layout = {"clocks": count, "measured": measured}
    kept = data / "layout.json"
    if kept.exists() and json.loads(kept.read_text()) != layout:
        raise SystemExit(f"{data} holds {kept.read_text()}, not {layout}: use another --data")
    runtime = build_runtime(settings_on(data), record_publisher=DroppingPublisher(), timers=False)
    async with running(runtime):
        present = await open_clocks(runtime)
        if present == count and kept.exists():
            print(json.dumps({"phase": "build", "skipped": True, "clocks": present}))
            return
        if present:
            raise SystemExit(f"{data} holds {present} clocks of another layout: delete it first")
        feed, started, sequence = Feed(), time.perf_counter(), 0
        for day, cases in receipt_days(count, measured):
            at = datetime.combine(day, day_time(10, 0), tzinfo=ISTANBUL)
            for first in range(0, cases, batch):
                numbers = [f"2027-{sequence + i:07d}-B" for i in range(min(batch, cases - first))]
                sequence += len(numbers)
                await seeding.route(runtime, numbers, at, feed)
                if sequence % 100_000 < batch:
                    print(f"  {sequence:>9,} clocks, {time.perf_counter() - started:6.0f} s", flush=True)
        while True:
            if await relayed_all(runtime):
                break
            await asyncio.sleep(0.5)
        elapsed = time.perf_counter() - started
        kept.write_text(json.dumps(layout))
        print(
            json.dumps(
                {
                    "phase": "build",
                    "clocks": await open_clocks(runtime),
                    "seconds": round(elapsed, 1),
                    "clocks_per_second": round(count / elapsed),
                    "database_mb": database_mb(data),
                    **{f"{k}_mb": round(v) for k, v in memory().items()},
                }
            )
        )


def fresh_copy(data: Path) -> Path:
    """Returns a copy of the built store to run on, so that every run starts before any timer fired."""
    run = data / "run"
    shutil.rmtree(run, ignore_errors=True)
    run.mkdir()
    for path in glob.glob(str(data / "sla-monitor.db*")):
        shutil.copy(path, run)
    return run


async def measure(data: Path, measured: int, rate: float, lead: float, wait: float) -> None:
    layout = json.loads((data / "layout.json").read_text())
    data = fresh_copy(data)
    real_start = datetime.now(UTC)
    clock = ShiftedClock(offset=FIRST_DUE - timedelta(seconds=lead) - real_start, rate=rate, epoch=real_start)
    publisher, commits = DroppingPublisher(clock), CommitStamps(clock)
    runtime = build_runtime(settings_on(data), clock=clock, record_publisher=publisher)
    runtime.add_commit_listener(commits)
    started = time.perf_counter()
    async with running(runtime):
        ready = time.perf_counter() - started
        deadline = time.monotonic() + lead / rate + wait
        while time.monotonic() < deadline:
            await asyncio.sleep(0.5)
            done = len(commits.committed) >= measured and len(publisher.sent) >= measured
            if done and clock.now() > FIRST_DUE + timedelta(seconds=5) * rate:
                break
        rss = memory()

    def delays(stamps: dict[str, datetime]) -> dict[str, float | None]:
        return distribution([(moment - FIRST_DUE).total_seconds() / rate for moment in stamps.values()])

    early = sum(1 for moment in commits.recorded.values() if moment < FIRST_DUE)
    print(
        json.dumps(
            {
                "phase": "run",
                "layout": layout,
                "start_seconds": round(ready, 1),
                "timers_measured": measured,
                "timers_fired": len(commits.committed),
                "cases_fired_twice": len(commits.cases) - len(set(commits.cases)),
                "recorded_before_due": early,
                "delay_s_recorded": delays(commits.recorded),
                "delay_s_committed": delays(commits.committed),
                "delay_s_published": delays(publisher.sent),
                "steady_rss_mb": round(rss["rss"]),
                "peak_rss_mb": round(rss["peak"]),
                "bursts": sla_bursts.summary(
                    sla_bursts.bursts(
                        receipt_days(layout["clocks"], layout["measured"]), ClockConfiguration()
                    ),
                    FIRST_DUE,
                ),
            }
        )
    )


def layout_bursts(count: int, measured: int) -> dict[str, object]:
    """Returns what the build's layout produces at each moment (sla_bursts.py)."""
    per_moment = sla_bursts.bursts(receipt_days(count, measured), ClockConfiguration())
    return sla_bursts.summary(per_moment, FIRST_DUE)


def distribution(values: list[float]) -> dict[str, float | None]:
    """Returns p50, p90, p99 and max of values, in seconds (None when there are none), and the share
    of them under the target's second."""
    ordered = sorted(values)

    def at(share: float) -> float | None:
        return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 3) if ordered else None

    return {
        "p50": at(0.5),
        "p90": at(0.9),
        "p99": at(0.99),
        "max": round(ordered[-1], 3) if ordered else None,
        "under_1s": round(sum(1 for value in ordered if value < 1.0) / len(ordered), 3) if ordered else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clocks", type=int, default=1_000_000)
    parser.add_argument("--measured", type=int, default=3_000)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--rate", type=float, default=1.0, help="clock speed during the run phase")
    parser.add_argument(
        "--lead", type=float, default=60.0, help="clock seconds from the start to the first due moment"
    )
    parser.add_argument("--wait", type=float, default=60.0, help="real seconds to wait after the due moment")
    parser.add_argument("--data", type=Path, default=Path("var/bench/sla-million"))
    parser.add_argument("--phase", choices=["all", "build", "run"], default="all")
    args = parser.parse_args()
    args.data.mkdir(parents=True, exist_ok=True)
    configure_logging("sla-monitor", level=os.environ.get("BENCH_LOG", "WARNING"), json=False)
    if args.phase == "build":
        asyncio.run(build(args.data, args.clocks, args.measured, args.batch))
    elif args.phase == "run":
        asyncio.run(measure(args.data, args.measured, args.rate, args.lead, args.wait))
    else:
        for phase in ("build", "run"):
            subprocess.run([sys.executable, *sys.argv, "--phase", phase], check=True)


if __name__ == "__main__":
    main()
