"""Staff commands per second over real HTTP, with latency percentiles, on the router alone.

    uv run python bench/staff_commands.py [--cases 300] [--concurrency 16] [--json]

Seeds N routed cases through the command path (intake's ApplicationRegistered through the router's
processor, on a fresh SQLite file), then serves the router's HTTP app with uvicorn on 127.0.0.1 in a
child process (so the server has its own core) without Kafka (the relay's records are kept in memory),
and drives every case through acknowledge -> answer (its institution's officer) -> approve-answer (a
reviewer), each command a POST with its own Idempotency-Key, from `--concurrency` workers. Prints
commands/s over the whole drive and p50/p90/p99/max latency per command; exit code 1 if any command
did not answer 200.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from acikkapi_shared.events.intake import Applicant, ApplicationRegistered
from acikkapi_shared.observability.logging import configure_logging
from acikkapi_shared.staff.identity import Role
from acikkapi_shared.staff.keys import FileKeySet
from acikkapi_shared.staff.local import LocalIssuer, StaffUser
from acikkapi_shared.staff.tokens import TokenValidator
from acikkapi_shared.testing.fakes import RecordingPublisher
from acikkapi_shared.testing.in_process import Feed, running, settings_for, upstream
from router.app import build_runtime, http_app

TEXT = "Yusufpaşa Mahallesi'nde iki gündür içme suyu kesik, belediyeyi aradık ama kimse ilgilenmiyor."
STEPS = (
    ("acknowledge", "belediye", None),
    ("answer", "belediye", {"answer": "Arıza giderildi; su verildi."}),
    ("approve-answer", "inceleme", {"outcome": "RESOLVED"}),
)


def number_of(index: int) -> str:
    return f"2026-{index + 1:06d}-N"


def issuer_in(directory: Path) -> LocalIssuer:
    issuer = LocalIssuer(directory / "staff")
    issuer.add_user(StaffUser("belediye", "Ali Kaya", (Role.INSTITUTION_OFFICER,), "BELEDIYE_KARS"))
    issuer.add_user(StaffUser("inceleme", "Elif Aydın", (Role.OFFICE_REVIEWER,)))
    issuer.ensure_keys()
    return issuer


async def seed(directory: Path, cases: int) -> None:
    """Routes the cases through the router's processor, 100 registrations a batch."""
    runtime = build_runtime(settings_for("router", directory), record_publisher=RecordingPublisher())
    topic = runtime.settings.topics.events_of("intake")
    feed = Feed()
    now = datetime.now(UTC)
    async with running(runtime):
        for start in range(0, cases, 100):
            batch = []
            for index in range(start, min(cases, start + 100)):
                number = number_of(index)
                registered = ApplicationRegistered(
                    application_number=number,
                    tracking_code="K7QX-9M2D-WR4T",
                    submission_id=f"bench-{number}",
                    channel="WEB",
                    received_at=now,
                    topic="YEREL_YONETIMLER",
                    type="SIKAYET",
                    district="MERKEZ",
                    text=TEXT,
                    applicant=Applicant(name="Ayşe Yılmaz", phone="+905321234567"),
                )
                batch.append(
                    feed.event(topic, upstream("intake", registered, correlation_id=number, occurred_at=now))
                )
            await runtime.processor.process(batch)


def serve(directory: Path, port: int) -> None:
    """The child process: the router's HTTP app on the seeded database, no Kafka."""
    configure_logging("router", level="WARNING", json=True)
    runtime = build_runtime(settings_for("router", directory), record_publisher=RecordingPublisher())
    validator = TokenValidator(
        FileKeySet(directory / "staff" / "jwks.json"), issuer="acikkapi-local", audience="acikkapi"
    )
    import uvicorn

    uvicorn.run(
        http_app(runtime, staff_tokens=validator),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        log_config=None,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def server(directory: Path, port: int) -> Iterator[str]:
    """Starts the child server and waits for /healthz; stops it after."""
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(directory), "--port", str(port)], env=os.environ.copy()
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            if time.monotonic() > deadline or child.poll() is not None:
                raise SystemExit("the router did not start")
            time.sleep(0.1)
        yield base
    finally:
        child.terminate()
        child.wait(timeout=15)


async def drive(base: str, issuer: LocalIssuer, cases: int, concurrency: int) -> dict[str, Any]:
    """Sends every case's commands from the workers; returns the figures."""
    tokens = {subject: issuer.issue_token(subject) for subject in ("belediye", "inceleme")}
    queue: asyncio.Queue[str] = asyncio.Queue()
    for index in range(cases):
        queue.put_nowait(number_of(index))
    latencies: list[float] = []
    failures: list[str] = []
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as http:

        async def worker() -> None:
            while not queue.empty():
                number = queue.get_nowait()
                for command, subject, body in STEPS:
                    headers = {
                        "Authorization": f"Bearer {tokens[subject]}",
                        "Idempotency-Key": f"{command}-{number}",
                    }
                    began = time.perf_counter()
                    answer = await http.post(f"/api/v1/cases/{number}/{command}", json=body, headers=headers)
                    latencies.append(time.perf_counter() - began)
                    if answer.status_code != 200:
                        failures.append(f"{number} {command}: {answer.status_code} {answer.text[:200]}")
                        break

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - began
    latencies.sort()

    def quantile(q: float) -> float:
        return (
            latencies[min(len(latencies) - 1, math.ceil(q * len(latencies)) - 1)] if latencies else math.nan
        )

    return {
        "cases": cases,
        "concurrency": concurrency,
        "commands": len(latencies),
        "failed": len(failures),
        "failures": failures[:10],
        "seconds": round(elapsed, 3),
        "commands_per_second": round(len(latencies) / elapsed, 1),
        "latency_ms": {
            name: round(quantile(q) * 1000, 1)
            for name, q in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("max", 1.0))
        },
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve is not None:
        serve(args.serve, args.port)
        return 0
    configure_logging("bench", level="WARNING", json=True)
    with tempfile.TemporaryDirectory(prefix="acikkapi-bench-") as folder:
        directory = Path(folder)
        issuer = issuer_in(directory)
        asyncio.run(seed(directory, args.cases))
        with server(directory, free_port()) as base:
            figures = asyncio.run(drive(base, issuer, args.cases, args.concurrency))
    if args.json:
        print(json.dumps(figures))
    else:
        latency = figures["latency_ms"]
        percentiles = ", ".join(f"{name} {value} ms" for name, value in latency.items())
        print(
            f"{figures['commands']} commands on {figures['cases']} cases, concurrency "
            f"{figures['concurrency']}: {figures['commands_per_second']} commands/s; latency {percentiles}; "
            f"failed {figures['failed']}"
        )
        for failure in figures["failures"]:
            print("  ", failure)
    return 1 if figures["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
