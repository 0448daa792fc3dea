"""The timer loop: fires each case's due warnings, breaches and escalations, durably and once.

The schedule is the read model's `next_timer_at`, which every clock event sets (derived by the
decider). Each tick takes the cases whose next timer is due and runs FireDueTimers(now) on each
through the command gateway, in one transaction per batch. Once is the decider's promise: a timer's
key is in the case's state, so a crash, a redelivery, a second instance or a replay fires nothing
again. Durable: a service that was down at a due moment fires on its first tick, marked late.

Between ticks it sleeps until the earliest next timer (one look-up by the `next_timer_at` index), at
most `interval`: a due moment is acted on when it comes, not up to a second later. Only the cases
that are due are ever read; the state of a case is folded when it fires (and kept in the runtime's
bounded state cache), or, for the cases of a moment within `lead`, folded and decided ahead and
appended when the moment comes (burst.py): every timer falls on a midnight, so they come in bursts.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from acikkapi_shared.clock import Clock
from acikkapi_shared.decider import Decider
from acikkapi_shared.gateway import CommandGateway, CommandOutcome
from acikkapi_shared.messaging.failures import describe
from sla_monitor.burst import BurstPreparation, PreparedBurst, timer_command
from sla_monitor.domain.case_clocks import DEFAULT_POLICY, CaseClocks
from sla_monitor.domain.clock_commands import ClockCommand
from sla_monitor.projections import clocks

log = structlog.get_logger(__name__)

MIN_PAUSE = 0.02  # seconds between ticks at least, unless a full batch was fired
QUIET_AFTER_NOTHING = 60.0  # seconds a case whose due timer fired nothing is left alone (see tick)


class TimerLoop:
    """Runs FireDueTimers on every case whose next timer is due, a batch at a time; with a
    preparation, a moment's burst is decided ahead (burst.py) and appended burst_batch at a time."""

    def __init__(
        self,
        *,
        engine: AsyncEngine,
        gateway: CommandGateway,
        clock: Clock,
        clocks_decider: Decider[CaseClocks, ClockCommand],
        interval: float = 1.0,
        batch_size: int = 200,
        preparation: BurstPreparation | None = None,
        lead: timedelta = timedelta(seconds=60),
        prepared_for: timedelta = DEFAULT_POLICY.late_after,
        burst_batch: int = 1_000,
    ) -> None:
        self._engine = engine
        self._gateway = gateway
        self._clock = clock
        self._decider = clocks_decider
        self._interval = interval
        self._batch_size = batch_size
        self._quiet_until: dict[str, float] = {}
        self._preparation = preparation
        self._lead = lead  # how long before a moment its burst is decided
        self._prepared_for = prepared_for  # how long after it those decisions are used (never late)
        self._burst_batch = burst_batch
        self._burst: PreparedBurst | None = None

    async def run(self) -> None:
        """Ticks until cancelled; a failed tick is logged and tried again after interval."""
        while True:
            try:
                fired = await self.tick()
                if fired >= self._batch_size or (fired and self._burst is not None):
                    await asyncio.sleep(0)  # more may be due: the next batch at once
                    continue
                moment = await self.next_moment()
                if await self.prepare(moment) is not None:
                    continue  # preparing took time: look again before sleeping
                pause = self._seconds_to(moment)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.error("sla_timer_tick_failed", error=describe(error))
                pause = self._interval
            await asyncio.sleep(pause)

    async def seconds_to_next(self) -> float:
        """Returns how long to sleep: until the earliest scheduled timer in clock time, at most interval
        (a fast clock is then still checked every interval; a timer scheduled meanwhile, too)."""
        return self._seconds_to(await self.next_moment())

    async def next_moment(self) -> datetime | None:
        """Returns the earliest scheduled timer of the cases not left alone (one index look-up)."""
        query = sa.select(sa.func.min(clocks.c.next_timer_at))
        if self._quiet_until:
            query = query.where(clocks.c.application_number.not_in(list(self._quiet_until)))
        async with self._engine.connect() as connection:
            earliest: datetime | None = (await connection.execute(query)).scalar_one_or_none()
            await connection.rollback()
        return earliest

    def _seconds_to(self, moment: datetime | None) -> float:
        if moment is None:
            return self._interval
        until = (moment - self._clock.now()).total_seconds()
        # Past already (scheduled by a commit since the tick): soon, but never a busy loop.
        return min(self._interval, max(until + 0.001, MIN_PAUSE))

    async def prepare(self, moment: datetime | None) -> PreparedBurst | None:
        """Decides the burst of a moment that is near, once (see burst.py); returns it when it did."""
        if self._preparation is None or moment is None:
            return None
        if self._burst is not None and self._burst.moment == moment:
            return None
        now = self._clock.now()
        if not now < moment <= now + self._lead:
            return None
        started = time.monotonic()
        self._burst = await self._preparation.prepare(moment)
        log.info(
            "sla_timer_burst_prepared",
            moment=moment.isoformat(),
            cases=len(self._burst.decisions),
            seconds=round(time.monotonic() - started, 2),
        )
        return self._burst

    async def tick(self) -> int:
        """Fires what is due now; returns how many cases it looked at."""
        now = self._clock.now()
        burst = self._burst
        if burst is not None and burst.moment <= now:
            if burst.decisions and now - burst.moment <= self._prepared_for:
                return await self._fire_prepared(burst)
            self._burst = None  # appended, or too late to be used: the ordinary ticks take over
        monotonic = time.monotonic()
        self._quiet_until = {n: until for n, until in self._quiet_until.items() if until > monotonic}
        query = (
            sa.select(clocks.c.application_number)
            .where(clocks.c.next_timer_at <= now)
            .order_by(clocks.c.next_timer_at, clocks.c.application_number)
            .limit(self._batch_size + len(self._quiet_until))
        )
        async with self._engine.connect() as connection:
            due = [str(row.application_number) for row in await connection.execute(query)]
            await connection.rollback()
        numbers = [number for number in due if number not in self._quiet_until][: self._batch_size]
        if not numbers:
            return 0
        requests = [timer_command(self._decider, number, now) for number in numbers]
        outcomes = await self._gateway.handle_all(requests, channel="sla-timers")
        for number, outcome in zip(numbers, outcomes, strict=True):
            if not outcome.events:
                # Its schedule said due but nothing was (a calendar changed since): without an event
                # the schedule stays, so leave the case alone a while instead of asking every tick.
                self._quiet_until[number] = monotonic + QUIET_AFTER_NOTHING
                log.warning("sla_timer_nothing_due", application_number=number)
        self._log_fired(len(numbers), outcomes)
        return len(numbers)

    async def _fire_prepared(self, burst: PreparedBurst) -> int:
        # A case decided again to nothing (it moved, or another instance fired it) needs no quiet
        # time: if its schedule still says due, the ordinary tick looks at it next.
        decisions = burst.take(self._burst_batch)
        requests = [
            timer_command(self._decider, decided.stream_id, burst.moment, decided) for decided in decisions
        ]
        outcomes = await self._gateway.handle_all(requests, channel="sla-timers")
        self._log_fired(len(requests), outcomes)
        return len(requests)

    def _log_fired(self, cases: int, outcomes: Sequence[CommandOutcome]) -> None:
        fired = sum(len(outcome.events) for outcome in outcomes)
        if fired:
            log.info("sla_timers_fired", cases=cases, events=fired)
