"""Open311 POSTs against intake alone: what the front door can do when nothing else wants the CPU.

    uv run python bench/open311_alone.py [--requests 2000] [--concurrency 16] [--json]

intake is served by uvicorn in a child process on a fresh SQLite file, without Kafka (its relay's
records are kept in memory) and without the other services: N Open311 POSTs (each a new applicant
with its own Idempotency-Key, the light client of open311_post.py) from --concurrency workers as fast
as they are answered. It prints POST/s, latency percentiles, and the CPU time the server spent per POST
(/proc). Compare with bench/open311_post.py on the running stack, where router, sla-monitor,
notifier and Kafka work on every registration on the same two cores.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path
from typing import Any

from http_bench import child_server, latency_ms, main
from open311_post import Pool, Poster

from acikkapi_shared.observability.logging import configure_logging
from acikkapi_shared.serve import tune_garbage_collection
from acikkapi_shared.testing.fakes import RecordingPublisher
from acikkapi_shared.testing.in_process import settings_for
from intake.app import build_app
from intake.open311.keys import KEYS_FILE_NAME, issue


def serve(directory: Path, port: int) -> None:
    """The child process: intake's HTTP app on a fresh database, no Kafka."""
    import uvicorn

    configure_logging("intake", level="WARNING", json=True)
    os.environ["ACIKKAPI_INTAKE_OPEN311_KEYS_FILE"] = str(directory / KEYS_FILE_NAME)
    app = build_app(settings_for("intake", directory), record_publisher=RecordingPublisher())
    tune_garbage_collection()  # as run_service does
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False, log_config=None)


def cpu_seconds(pid: int) -> float:
    """Returns the process's user + system CPU time (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def drive(base: str, api_key: str, requests: int, concurrency: int) -> tuple[list[float], int]:
    """Sends the POSTs; returns their latencies and how many failed."""
    poster = Poster(Pool(base), api_key)
    await asyncio.gather(*(poster.post() for _ in range(20)))  # warm-up
    latencies: list[float] = []
    failed = 0
    remaining = iter(range(requests))

    async def worker() -> None:
        nonlocal failed
        for _ in remaining:
            began = time.perf_counter()
            if await poster.post():
                latencies.append(time.perf_counter() - began)
            else:
                failed += 1

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, failed


def options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)


def measure(args: argparse.Namespace, directory: Path) -> dict[str, Any]:
    api_key = issue(directory / KEYS_FILE_NAME, "bench-open311")
    pids: list[int] = []
    with child_server(__file__, directory, "intake", pids) as base:
        cpu_before, began = cpu_seconds(pids[0]), time.perf_counter()
        latencies, failed = asyncio.run(drive(base, api_key, args.requests, args.concurrency))
        seconds, cpu = time.perf_counter() - began, cpu_seconds(pids[0]) - cpu_before
    return {
        "posts": len(latencies),
        "failed": failed,
        "failures": [],
        "concurrency": args.concurrency,
        "seconds": round(seconds, 2),
        "posts_per_second": round(len(latencies) / seconds, 1),
        "server_cpu_ms_per_post": round(1000 * cpu / max(1, len(latencies) + failed), 2),
        "latency_ms": latency_ms(latencies),
    }


def summary(figures: dict[str, Any]) -> str:
    return (
        f"{figures['posts']} Open311 POSTs to intake alone, concurrency {figures['concurrency']}: "
        f"{figures['posts_per_second']}/s, {figures['server_cpu_ms_per_post']} ms of server CPU each"
    )


if __name__ == "__main__":
    sys.exit(main(__doc__, options, serve, measure, summary))
