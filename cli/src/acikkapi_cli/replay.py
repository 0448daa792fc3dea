"""`acikkapi replay projections <service>`: rebuild a stopped service's read models from its log."""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path


async def replay(service: str, data_dir: Path | None) -> int:
    """Rebuilds the service's read models; returns the number of events replayed."""
    from acikkapi_cli.services import runtime_of
    from acikkapi_shared.eventstore.database import migrate
    from acikkapi_shared.eventstore.replay import rebuild_projections

    runtime = runtime_of(service, data_dir)
    try:
        await migrate(runtime.engine)
        return await rebuild_projections(runtime.engine, runtime.store, runtime.parts.projector)
    finally:
        await runtime.engine.dispose()
        await runtime.read_engine.dispose()


def replay_command(args: argparse.Namespace) -> int:
    """Rebuilds a service's read models (`acikkapi replay projections`, declared in event_logs)."""
    started = time.perf_counter()
    count = asyncio.run(replay(args.service, args.data_dir))
    print(f"{args.service}: {count} events replayed in {time.perf_counter() - started:.2f} s")
    return 0
