"""At start, the open clocks computed with another configuration are computed again.

The read model says which clocks are open and the configuration version each was computed with; every
open case whose version differs gets RecomputeDeadlines(version) through the command gateway, a batch
per transaction, walking the application numbers in order (keyset, so each batch reads by index only
the rows after the last). The decider answers nothing for a case already at the version, and the
Idempotency-Key is the case and the version: a crash half-way, a second instance or a restart records
each recomputation once.
"""

from __future__ import annotations

import time

import sqlalchemy as sa
import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from acikkapi_shared.clock import Clock
from acikkapi_shared.commands import CommandContext
from acikkapi_shared.decider import Decider
from acikkapi_shared.gateway import CommandGateway, GatewayCommand
from sla_monitor.domain.case_clocks import CaseClocks
from sla_monitor.domain.clock_commands import ClockCommand, RecomputeDeadlines
from sla_monitor.projections import clocks

log = structlog.get_logger(__name__)

ACTOR = "configuration:sla-monitor"


async def recompute_open_clocks(
    *,
    engine: AsyncEngine,
    gateway: CommandGateway,
    clock: Clock,
    clocks_decider: Decider[CaseClocks, ClockCommand],
    config_version: str,
    batch_size: int = 500,
) -> int:
    """Recomputes every open case computed with another configuration; returns how many were."""
    started = time.monotonic()
    after = ""
    recomputed = 0
    while True:
        query = (
            sa.select(clocks.c.application_number)
            .where(
                clocks.c.application_number > after,
                clocks.c.open.is_(True),
                clocks.c.config_version != config_version,
            )
            .order_by(clocks.c.application_number)
            .limit(batch_size)
        )
        async with engine.connect() as connection:
            numbers = [str(row.application_number) for row in await connection.execute(query)]
            await connection.rollback()
        if not numbers:
            break
        now = clock.now()
        requests = [
            GatewayCommand(
                clocks_decider,
                number,
                RecomputeDeadlines(config_version, now),
                CommandContext(
                    occurred_at=now,
                    actor=ACTOR,
                    correlation_id=number,
                    idempotency_key=f"sla-recompute:{number}:{config_version}",
                ),
            )
            for number in numbers
        ]
        outcomes = await gateway.handle_all(requests, channel="sla-recompute")
        recomputed += sum(1 for outcome in outcomes if outcome.events)
        after = numbers[-1]
    if recomputed:
        log.info(
            "sla_deadlines_recomputed",
            cases=recomputed,
            config_version=config_version,
            seconds=round(time.monotonic() - started, 1),
        )
    return recomputed
