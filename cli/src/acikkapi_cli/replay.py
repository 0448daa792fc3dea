"""`acikkapi replay projections <service>`: rebuild a stopped service's read models from its log."""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path
from typing import Any

from acikkapi_shared.events.topics import SERVICES


def register(subparsers: Any) -> None:
    """Adds the `replay` command group."""
    parser: argparse.ArgumentParser = subparsers.add_parser("replay", help="rebuild from the event logs")
    commands = parser.add_subparsers(dest="replay_command", required=True)
    projections = commands.add_parser("projections", help="rebuild a stopped service's read models")
    projections.add_argument("service", choices=sorted(SERVICES))
    projections.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="folder of the services' SQLite files (default: $ACIKKAPI_DATA_DIR or var/data)",
    )
    projections.set_defaults(handler=_replay)


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


def _replay(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    count = asyncio.run(replay(args.service, args.data_dir))
    print(f"{args.service}: {count} events replayed in {time.perf_counter() - started:.2f} s")
    return 0
