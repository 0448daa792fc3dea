"""A burst of timers decided ahead of its moment and appended when it comes.

Every timer falls on an Istanbul midnight (warnings at the start of a business day, breaches and
escalations at the midnight after a due day), so thousands of cases share one due moment. Reading,
folding and deciding each of them once the moment has come was most of what made the last of a
burst wait. So when the next moment is near, the timer loop reads the cases due at it, folds them and
decides FireDueTimers(moment) on each, and keeps the decisions in memory only: nothing is recorded
before its moment. They are appended through the command gateway (burst_firing.py: written just
before the moment and committed at it, the rest after it), as they were made for every stream still at
the version they were decided on (one version query per transaction; the decider is pure, so the same
state gives the same decision); a case that moved meanwhile (a pause, a conclusion) is decided again
on its current state. A decision keeps only what is appended (~2.1 KB), not the typed events or the
state after them: a whole burst of tens of thousands is kept ahead (up to `limit`).

Exactly once is what it was: the fired keys in each case's state, the unique (stream, version) index
and the idempotency key per case and moment (a second instance that committed the same moment first
is answered from its record). A decision made ahead is used only while it could not be late (the
policy's `late_after` past its moment); after that the ordinary tick decides on the clock's now.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from acikkapi_shared.clock import Clock
from acikkapi_shared.commands import CommandContext, Decided, decide_on
from acikkapi_shared.decider import CommandRejected, Decider
from acikkapi_shared.eventstore.state_cache import StateCache
from acikkapi_shared.eventstore.store import SqlAlchemyEventStore
from acikkapi_shared.eventstore.unit_of_work import NoProjections, UnitOfWork
from acikkapi_shared.gateway import GatewayCommand
from sla_monitor.domain.case_clocks import CaseClocks
from sla_monitor.domain.clock_commands import ClockCommand, FireDueTimers
from sla_monitor.projections import clocks

ACTOR = "timer:sla-monitor"


def timer_command(
    decider: Decider[CaseClocks, ClockCommand], number: str, now: datetime, decided: Decided | None = None
) -> GatewayCommand:
    """Returns FireDueTimers(now) on a case for the gateway, once per case and moment (its key)."""
    context = timer_context(number, now)
    return GatewayCommand(decider, number, FireDueTimers(now), context, decided=decided)


def timer_context(number: str, now: datetime) -> CommandContext:
    """Returns the context FireDueTimers(now) runs under on a case."""
    return CommandContext(
        occurred_at=now,
        actor=ACTOR,
        correlation_id=number,
        idempotency_key=f"sla-timers:{number}:{now.isoformat()}",
    )


@dataclass
class PreparedBurst:
    """The decisions made ahead for one due moment, in the order they are to be appended."""

    moment: datetime
    decisions: list[Decided] = field(default_factory=list)
    written_ahead: bool = False  # its transaction written ahead was tried (once a burst)

    def take(self, count: int) -> list[Decided]:
        """Returns (and forgets) the next count decisions."""
        taken, self.decisions = self.decisions[:count], self.decisions[count:]
        return taken


@dataclass(frozen=True)
class BurstPreparation:
    """Reads, folds and decides the cases due at a moment, ahead of it (read-only: a snapshot of the
    committed log on the reader's connection; the states are not cached, the appends will be)."""

    engine: AsyncEngine
    store: SqlAlchemyEventStore
    clock: Clock
    decider: Decider[CaseClocks, ClockCommand]
    cache: StateCache | None = None
    # Decisions kept at most: each costs ~2.1 KB kept and ~1.1 KB more until the transaction that
    # writes it ahead commits (36,000: +75 MB, then +40 MB), and the service keeps under 300 MB with a
    # million clocks and a full state cache; the rest of a larger burst fire by ordinary ticks after
    # its moment.
    limit: int = 40_000
    chunk: int = 1_000  # cases read and folded per query

    async def prepare(self, moment: datetime) -> PreparedBurst:
        """Returns the decisions of the cases whose next timer is at moment, as many as it could make
        before the moment came."""
        burst = PreparedBurst(moment)
        query = (
            sa.select(clocks.c.application_number)
            .where(clocks.c.next_timer_at == moment)
            .order_by(clocks.c.application_number)
            .limit(self.limit)
        )
        async with self.engine.connect() as connection:
            numbers = [str(row.application_number) for row in await connection.execute(query)]
            await connection.rollback()
        for first in range(0, len(numbers), self.chunk):
            if self.clock.now() >= moment:
                break
            async with self.engine.connect() as connection:
                burst.decisions += await self._decide(connection, numbers[first : first + self.chunk], moment)
                await connection.rollback()
        return burst

    async def _decide(
        self, connection: AsyncConnection, numbers: list[str], moment: datetime
    ) -> list[Decided]:
        work = UnitOfWork(connection, self.store, NoProjections(), self.clock, self.cache)
        await work.prefetch(numbers)
        decisions = []
        for number in numbers:
            folded = await work.folded(self.decider, number)
            command = FireDueTimers(moment)
            try:
                decided = decide_on(
                    self.decider, number, command, timer_context(number, moment), folded.state, folded.version
                )
            except CommandRejected:
                continue  # the ordinary tick will decide it, and record the rejection
            if decided.events:
                # Without the typed events and the state after them: only what is appended is needed,
                # and a burst keeps tens of thousands of decisions (the typed events were a quarter of
                # their memory, the states a third of the rest). Its states are not cached then: the
                # next command on such a case folds it (a few events).
                decisions.append(replace(decided, events=(), state=None))
        return decisions
