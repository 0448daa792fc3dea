"""Firing a moment's burst from decisions made ahead (burst.py): written just before the moment in one
transaction that commits at it, and what did not fit appended after it, `batch` at a time.

Written ahead: the transaction that appends the decisions (the events, the read model, the
idempotency records) is written while the moment approaches and committed when the clock reaches
it (CommandGateway.handle_held), its events recorded at the moment. It is written `chunk` decisions at
a time, each chunk's objects dropped once flushed (only the recorded events and counts are kept to the
commit), so a whole burst of tens of thousands fits in memory. Nothing of it is visible or recorded
before; a crash meanwhile rolls it back and the ordinary ticks fire after the restart. While it waits
it holds the log's append lock, so the service's other writers (its Kafka consumer) wait for the moment
too: it starts only as early as the burst needs (twice the estimated cost of writing it, measured from
the last burst, `seconds_per_timer` a decision until then) and at most `max_hold` before. Before each
chunk it checks, at the pace measured so far, that the chunk is written before the moment with time to
spare; the decisions that do not fit are appended after the moment. Tried once per burst.

Until nothing is due any more, the objects alive when the burst was decided are left out of the
collector's full collections and SQLite's WAL is not checkpointed by the burst's commits (settle).
"""

from __future__ import annotations

import contextlib
import gc
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from acikkapi_shared.clock import Clock
from acikkapi_shared.decider import Decider
from acikkapi_shared.eventstore.database import checkpoints_deferred
from acikkapi_shared.gateway import CommandGateway, CommandOutcome, GatewayCommand, HeldPlan
from sla_monitor.burst import BurstPreparation, PreparedBurst, timer_command
from sla_monitor.domain.case_clocks import DEFAULT_POLICY, CaseClocks
from sla_monitor.domain.clock_commands import ClockCommand

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class BurstSettings:
    """When a burst is decided, how it is written, and for how long its decisions are used."""

    lead: timedelta = timedelta(seconds=60)  # decided this long before its moment
    prepared_for: timedelta = DEFAULT_POLICY.late_after  # used until then (never late)
    batch: int = 1_000  # decisions per transaction after the moment
    # The append lock held before the moment, at most: the service's Kafka consumer waits as long.
    max_hold: timedelta = timedelta(seconds=20)
    seconds_per_timer: float = 0.0003  # per decision, until measured (150-300 µs on 2 busy cores)
    chunk: int = 1_000  # decisions written at a time in the transaction written ahead


class BurstFiring:
    """The burst of the next moment: decided ahead, written ahead, and appended."""

    def __init__(
        self,
        *,
        preparation: BurstPreparation,
        gateway: CommandGateway,
        engine: AsyncEngine,
        clock: Clock,
        decider: Decider[CaseClocks, ClockCommand],
        settings: BurstSettings = BurstSettings(),
    ) -> None:
        self._preparation = preparation
        self._gateway = gateway
        self._engine = engine  # the gateway's writer
        self._deferred: contextlib.AsyncExitStack | None = None  # checkpoints, while a burst is written
        self._clock = clock
        self._decider = decider
        self._settings = settings
        self._seconds_per_timer = settings.seconds_per_timer  # as measured since (see _measured)
        self.burst: PreparedBurst | None = None
        self._frozen = False  # this burst's objects are frozen out of the collector's sight

    async def prepare(self, moment: datetime | None) -> PreparedBurst | None:
        """Decides the burst of a moment that is near, once; returns it when it did."""
        if moment is None or (self.burst is not None and self.burst.moment == moment):
            return None
        now = self._clock.now()
        if not now < moment <= now + self._settings.lead:
            return None
        started = time.monotonic()
        self.burst = await self._preparation.prepare(moment)
        # Until the burst is appended, the collector leaves every object alive now (the decisions, the
        # state cache) out of its full collections: with a million clocks each would walk millions of
        # them, and a burst allocates enough to set off several (a tenth to a third of its time).
        # Collected first, so no garbage is frozen with them; thawed when the burst is over.
        gc.collect()
        gc.freeze()
        self._frozen = True
        log.info(
            "sla_timer_burst_prepared",
            moment=moment.isoformat(),
            cases=len(self.burst.decisions),
            seconds=round(time.monotonic() - started, 2),
        )
        return self.burst

    def write_from(self) -> datetime | None:
        """Returns when to start writing the burst ahead of its moment (None: nothing to write)."""
        burst = self.burst
        if burst is None or not burst.decisions or burst.written_ahead:
            return None
        return burst.moment - self._hold(len(burst.decisions))

    async def write_ahead(self) -> int:
        """Writes what fits of the burst if its time has come, committed at its moment; returns how
        many decisions it appended."""
        burst, starts = self.burst, self.write_from()
        now = self._clock.now()
        if burst is None or starts is None or not starts <= now < burst.moment:
            return 0
        burst.written_ahead = True  # once: what is not written now is appended after the moment
        decisions, moment = burst.decisions, burst.moment
        await self._defer_checkpoints()
        started, began = time.monotonic(), now

        def build(start: int, stop: int) -> list[GatewayCommand]:
            return [timer_command(self._decider, d.stream_id, moment, d) for d in decisions[start:stop]]

        def more(written: int) -> bool:
            # Another chunk only if it is written before the moment with time to spare, at the pace
            # of those written so far (as estimated before the first): what does not fit is appended
            # after the moment.
            now = self._clock.now()
            chunk = min(self._settings.chunk, len(decisions) - written)
            pace = (now - began) / written if written else timedelta(seconds=self._seconds_per_timer)
            return now + pace * chunk * 1.5 + timedelta(seconds=0.05) < moment

        writing: list[float] = []

        def written(count: int) -> None:
            writing.append(time.monotonic() - started)
            self._measured(count, writing[-1])

        plan = HeldPlan(len(decisions), build, moment, self._settings.chunk, more, written)
        done = await self._gateway.handle_held(plan, channel="sla-timers")
        burst.take(done.taken)
        if done.recorded:
            log.info(
                "sla_timer_burst_written_ahead",
                cases=done.taken,
                events=len(done.recorded),
                left=len(burst.decisions),  # appended after the moment
                written_seconds=round(writing[-1], 3) if writing else None,
                hold_seconds=round((moment - began).total_seconds(), 3),
            )
        return done.taken

    async def fire(self, now: datetime) -> int | None:
        """Appends the next batch of the burst once its moment has come; returns how many decisions,
        or None when there is no burst to append (the ordinary tick's turn)."""
        burst = self.burst
        if burst is None or now < burst.moment:
            return None
        if not burst.decisions or now - burst.moment > self._settings.prepared_for:
            self.burst = None  # appended, or too late to be used: the ordinary ticks take over
            return None
        # A case decided again to nothing (it moved, or another instance fired it) needs no quiet
        # time: if its schedule still says due, the ordinary tick looks at it next.
        decisions = burst.take(self._settings.batch)
        requests = [timer_command(self._decider, d.stream_id, burst.moment, d) for d in decisions]
        await self._defer_checkpoints()
        started = time.monotonic()
        outcomes = await self._gateway.handle_all(requests, channel="sla-timers")
        self._measured(len(requests), time.monotonic() - started)
        log_fired("sla_timers_fired", len(requests), outcomes, started)
        return len(requests)

    async def _defer_checkpoints(self) -> None:
        # The burst's commits do not checkpoint the WAL into the database file (on SQLite the one that
        # crossed its threshold did, taking longer than the commit); the first commit after it does.
        if self._deferred is None:
            stack = contextlib.AsyncExitStack()
            await stack.enter_async_context(checkpoints_deferred(self._engine))
            self._deferred = stack

    async def settle(self) -> None:
        """Ends what a burst changed (the collector's frozen objects, the deferred checkpoints) once
        nothing is due any more: its decisions made ahead, and the ordinary ticks after them, done."""
        if self.burst is not None and self._clock.now() < self.burst.moment:
            return  # still to come
        self.burst = None
        if self._frozen:
            # Thawed, the garbage of the burst collected, and what lives on frozen again, as the
            # service froze what it had once built (acikkapi_shared.serve): unfreeze() thaws all.
            # Only after a burst: a full collection at every tick was half the service's CPU.
            self._frozen = False
            gc.unfreeze()
            gc.collect()
            gc.freeze()
        if self._deferred is not None:
            deferred, self._deferred = self._deferred, None
            await deferred.aclose()

    def _hold(self, count: int) -> timedelta:
        # Twice what appending is estimated to take and half a second: starting early only makes the
        # others wait; late, the chunks that no longer fit are appended after the moment.
        needed = timedelta(seconds=2 * count * self._seconds_per_timer + 0.5)
        return min(needed, self._settings.max_hold)

    def _measured(self, count: int, seconds: float) -> None:
        # What appending a decision costs on this machine now (a burst written ahead, or a batch after
        # its moment), for the next burst's hold: half the old estimate and half the new measure, so
        # one slow batch does not decide it alone.
        if count >= 100:
            self._seconds_per_timer = (self._seconds_per_timer + seconds / count) / 2


def log_fired(
    what: str, cases: int, outcomes: Sequence[CommandOutcome], started: float | None = None
) -> None:
    """Logs how many timer events a batch of cases fired (and how long it took)."""
    fired = sum(len(outcome.events) for outcome in outcomes)
    if fired:
        seconds = None if started is None else round(time.monotonic() - started, 3)
        log.info(what, cases=cases, events=fired, seconds=seconds)
