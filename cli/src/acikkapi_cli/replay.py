"""`acikkapi replay projections <service>`: rebuild a stopped service's read models from its log."""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from pathlib import Path

from acikkapi_cli.audit import database_url
from acikkapi_shared.clock import SystemClock
from acikkapi_shared.eventstore.database import create_engine, migrate
from acikkapi_shared.eventstore.replay import rebuild_projections
from acikkapi_shared.eventstore.store import SqlAlchemyEventStore
from acikkapi_shared.eventstore.unit_of_work import Projector
from intake.projections import IntakeProjector
from notifier.projections import NotifierProjector
from router.projections import RouterProjector
from sla_monitor.projections import SlaProjector

PROJECTORS: dict[str, type[Projector]] = {
    "intake": IntakeProjector,
    "router": RouterProjector,
    "sla-monitor": SlaProjector,
    "notifier": NotifierProjector,
}


async def replay(service: str, data_dir: Path) -> int:
    """Rebuilds the service's read models; returns the number of events replayed."""
    engine = create_engine(database_url(service, data_dir))
    try:
        await migrate(engine)
        store = SqlAlchemyEventStore(service, SystemClock())
        return await rebuild_projections(engine, store, PROJECTORS[service]())
    finally:
        await engine.dispose()


def replay_command(args: argparse.Namespace) -> int:
    """Rebuilds a service's read models (`acikkapi replay projections`, declared in event_logs)."""
    data_dir = args.data_dir or Path(os.environ.get("ACIKKAPI_DATA_DIR", "var/data"))
    started = time.perf_counter()
    count = asyncio.run(replay(args.service, data_dir))
    print(f"{args.service}: {count} events replayed in {time.perf_counter() - started:.2f} s")
    return 0
