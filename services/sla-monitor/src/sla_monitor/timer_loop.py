"""The timer loop: fires each case's due warnings, breaches and escalations, durably and once.

The schedule is the read model's `next_timer_at`, which every clock event sets (derived by the
decider). Each tick takes the cases whose next timer is due and runs FireDueTimers(now) on each
through the command gateway, in one transaction per batch. Once is the decider's promise: a timer's
key is in the case's state, so a crash, a redelivery, a second instance or a replay fires nothing
again. Durable: a service that was down at a due moment fires on its first tick, marked late.

Between ticks it sleeps until the earliest next timer (one look-up by the `next_timer_at` index), at
most `interval`: a due moment is acted on when it comes, not up to a second later. Only the cases
that are due are ever read; the state of a case is folded when it fires (and kept in the runtime's
bounded state cache), or, for the cases of a moment that is near, folded and decided ahead and
written just before the moment to commit at it (burst.py, burst_firing.py): every timer falls on a
midnight, so they come in bursts.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime

import sqlalchemy as sa
import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from acikkapi_shared.clock import Clock
from acikkapi_shared.decider import Decider
from acikkapi_shared.gateway import CommandGateway
from acikkapi_shared.messaging.failures import describe
from sla_monitor.burst import timer_command
from sla_monitor.burst_firing import BurstFiring, log_fired
from sla_monitor.domain.case_clocks import CaseClocks
from sla_monitor.domain.clock_commands import ClockCommand
from sla_monitor.projections import clocks

log = structlog.get_logger(__name__)

MIN_PAUSE = 0.02  # seconds between ticks at least, unless a full batch was fired
QUIET_AFTER_NOTHING = 60.0  # seconds a case whose due timer fired nothing is left alone (see tick)


class TimerLoop:
    """Runs FireDueTimers on every case whose next timer is due, a batch at a time; with `bursts`, a
    moment's burst is decided and written ahead (burst.py, burst_firing.py)."""

    def __init__(
        self,
        *,
        engine: AsyncEngine,
        gateway: CommandGateway,
        clock: Clock,
        clocks_decider: Decider[CaseClocks, ClockCommand],
        interval: float = 1.0,
        batch_size: int = 1_000,
        bursts: BurstFiring | None = None,
    ) -> None:
        self._engine = engine
        self._gateway = gateway
        self._clock = clock
        self._decider = clocks_decider
        self._interval = interval
        self._batch_size = batch_size
        self._quiet_until: dict[str, float] = {}
        self.bursts = bursts

    async def run(self) -> None:
        """Ticks until cancelled; a failed tick is logged and tried again after interval."""
        while True:
            try:
                fired = await self.tick()
                if fired >= self._batch_size or (fired and self.bursts and self.bursts.burst):
                    await asyncio.sleep(0)  # more may be due: the next batch at once
                    continue
                if not fired and self.bursts is not None:
                    await self.bursts.settle()  # nothing due: a burst is over
                moment = await self.next_moment()
                if self.bursts is not None:
                    if await self.bursts.prepare(moment) or await self.bursts.write_ahead():
                        continue  # that took time: look again before sleeping
                    moment = min((m for m in (moment, self.bursts.write_from()) if m), default=None)
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

    async def tick(self) -> int:
        """Fires what is due now; returns how many cases it looked at."""
        now = self._clock.now()
        if self.bursts is not None and (appended := await self.bursts.fire(now)) is not None:
            return appended
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
        log_fired("sla_timers_fired", len(numbers), outcomes)
        return len(numbers)
