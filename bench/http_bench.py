"""What the HTTP benchmarks share: a service served by uvicorn in a child process (the same script run
with --serve, so the server has its own core), latency percentiles, and the command line."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx

from acikkapi_shared.observability.logging import configure_logging
from acikkapi_shared.testing import free_port

PERCENTILES = (("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("max", 1.0))


def latency_ms(latencies: list[float]) -> dict[str, float]:
    """Returns p50/p90/p99/max (nearest rank) of the latencies in seconds, in milliseconds."""
    ordered = sorted(latencies)

    def quantile(q: float) -> float:
        if not ordered:
            return math.nan
        return round(ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)] * 1000, 1)

    return {name: quantile(q) for name, q in PERCENTILES}


@contextlib.contextmanager
def child_server(script: str, directory: Path, what: str, pids: list[int] | None = None) -> Iterator[str]:
    """Runs `script --serve directory --port P` until /healthz answers; yields its base URL; stops it.
    pids, when given, gets the child's process id (to read its CPU time)."""
    port = free_port()
    child = subprocess.Popen(
        [sys.executable, script, "--serve", str(directory), "--port", str(port)], env=os.environ.copy()
    )
    if pids is not None:
        pids.append(child.pid)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            if time.monotonic() > deadline or child.poll() is not None:
                raise SystemExit(f"{what} did not start")
            time.sleep(0.1)
        yield base
    finally:
        child.terminate()
        child.wait(timeout=15)


@dataclass
class Tally:
    """The latencies and failures of a drive, and how long it took."""

    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0

    async def timed(self, request: Awaitable[httpx.Response]) -> httpx.Response:
        """Returns the request's answer, its latency noted."""
        began = time.perf_counter()
        answer = await request
        self.latencies.append(time.perf_counter() - began)
        return answer

    def figures(self, unit: str) -> dict[str, Any]:
        """Returns the figures: count (as unit), per second, failures (the first ten), latency."""
        return {
            unit: len(self.latencies),
            "failed": len(self.failures),
            "failures": self.failures[:10],
            "seconds": round(self.seconds, 3),
            f"{unit}_per_second": round(len(self.latencies) / self.seconds, 1),
            "latency_ms": latency_ms(self.latencies),
        }


Job = TypeVar("Job")


async def run_clients(
    base: str,
    concurrency: int,
    jobs: Iterable[Job],
    send: Callable[[httpx.AsyncClient, Job, Tally], Awaitable[None]],
) -> Tally:
    """Has `concurrency` clients take the jobs in turn, each sent with send (which times its requests
    with tally.timed and notes failures); returns the tally."""
    tally, pending = Tally(), iter(jobs)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as http:

        async def client() -> None:
            for job in pending:
                await send(http, job, tally)

        began = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(concurrency)))
        tally.seconds = time.perf_counter() - began
    return tally


def main(
    description: str | None,
    options: Callable[[argparse.ArgumentParser], None],
    serve: Callable[[Path, int], None],
    measure: Callable[[argparse.Namespace, Path], dict[str, Any]],
    summary: Callable[[dict[str, Any]], str],
) -> int:
    """Runs a benchmark: the child server when started with --serve, else measure on a fresh folder and
    the report (one JSON object with --json); returns the exit code, 1 if anything failed."""
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    options(parser)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve is not None:
        serve(args.serve, args.port)
        return 0
    configure_logging("bench", level="WARNING", json=True)
    with tempfile.TemporaryDirectory(prefix="acikkapi-bench-") as folder:
        figures = measure(args, Path(folder))
    if args.json:
        print(json.dumps(figures))
    else:
        percentiles = ", ".join(f"{name} {value} ms" for name, value in figures["latency_ms"].items())
        print(f"{summary(figures)}; latency {percentiles}; failed {figures['failed']}")
        for failure in figures["failures"]:
            print("  ", failure)
    return 1 if figures["failed"] else 0
