"""Open311 POST requests per second and latency percentiles, against a running intake (with the rest of
the system consuming what it registers).

    make up      # or: uv run acikkapi dev up (ports: ACIKKAPI_*_PORT; data: $ACIKKAPI_VAR_DIR)
    uv run python bench/open311_post.py [--url http://127.0.0.1:8001] [--requests 2000]
        [--concurrency 32] [--rate 150] [--seconds 20] [--json]

It issues itself an API key in the stack's keys file (`<var>/data/open311-api-keys.json`, or
--keys-file), then:
1. throughput: --requests POSTs from --concurrency workers as fast as they are answered: POST/s and
   p50/p90/p99/max;
2. latency at a fixed rate: --rate POSTs a second for --seconds, each sent at its scheduled moment
   whatever the answers before it (open loop), latency counted from that moment (queueing included):
   the achieved rate and p50/p90/p99/max. It starts once the system has caught up with phase 1 (every
   service's consumer lag, every relay's unpublished events and the notifier's SMS outbox at 0 on
   their /metrics, twice in a row), so it measures the rate it offers, not the tail of the burst
   before it: phase 1's 1,000 applications are still being routed, timed and texted for a second
   or two after their POSTs are answered (0.9-1.6 s measured, bench/README.md). --no-settle starts
   it at once (what stops 17-22 measured).
Every POST is a new applicant (its own mobile number) with its own Idempotency-Key; exit code 1 if any
answer was not a 200.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from acikkapi_shared.ports import SERVICE_PORTS, port_variable
from intake.open311.keys import KEYS_FILE_NAME, issue

TEXT = "Yusufpaşa Mahallesi'nde iki gündür içme suyu kesik, belediyeyi aradık ama kimse ilgilenmiyor."


def percentile(values: list[float], share: float) -> float:
    """Returns the nearest-rank percentile of values (0 < share <= 1)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)] if ordered else float("nan")


def summary(latencies: list[float], failed: int, seconds: float) -> dict[str, Any]:
    """Returns the rate and the latency percentiles in milliseconds."""
    return {
        "requests": len(latencies) + failed,
        "failed": failed,
        "seconds": round(seconds, 2),
        "posts_per_second": round(len(latencies) / seconds, 1) if seconds else 0.0,
        **{f"p{int(q * 100)}_ms": round(percentile(latencies, q) * 1000, 1) for q in (0.5, 0.9, 0.99)},
        "max_ms": round(max(latencies, default=float("nan")) * 1000, 1),
    }


class Pool:
    """Keep-alive HTTP/1.1 connections to intake, written by hand: the load generator must cost
    little next to what it measures (httpx spent ~4 ms of CPU per POST on this machine, a core at
    300 POST/s taken from the system under test)."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter, float]] = []

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> int:
        """Returns the answer's status; a connection the server closed while idle is replaced once
        (a resent POST is safe: it carries its Idempotency-Key)."""
        for attempt in range(2):
            reader, writer, reused = await self._connection()
            try:
                status = await self._exchange(reader, writer, path, body, headers)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                writer.close()
                if reused and attempt == 0:
                    continue
                raise
            self.idle.append((reader, writer, time.monotonic()))
            return status
        raise AssertionError("unreachable")

    async def _connection(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, bool]:
        while self.idle:
            reader, writer, since = self.idle.pop()
            if time.monotonic() - since < 2.0:  # uvicorn closes keep-alive connections after 5 s
                return reader, writer, True
            writer.close()
        reader, writer = await asyncio.open_connection(self.host, self.port)
        return reader, writer, False

    async def _exchange(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        path: str,
        body: bytes,
        headers: dict[str, str],
    ) -> int:
        lines = [f"POST {path} HTTP/1.1", f"Host: {self.host}:{self.port}", f"Content-Length: {len(body)}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        status = int((await reader.readline()).split()[1])
        length = 0
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        await reader.readexactly(length)
        return status


class Poster:
    def __init__(self, pool: Pool, api_key: str) -> None:
        self.pool = pool
        self.api_key = api_key
        self.counter = 0
        self.run = uuid.uuid4().int % 900 + 100

    def form(self) -> dict[str, str]:
        self.counter += 1
        phone = f"+90532{self.run:03d}{self.counter % 10000:04d}"
        return {
            "api_key": self.api_key,
            "service_code": "YEREL_YONETIMLER-SIKAYET",
            "first_name": "Ayşe",
            "last_name": "Yılmaz",
            "phone": phone,
            "attribute[DISTRICT]": "MERKEZ",
            "description": f"{TEXT} ({self.counter})",
        }

    async def post(self) -> bool:
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Idempotency-Key": str(uuid.uuid4()),
        }
        try:
            status = await self.pool.post(
                "/open311/v2/requests.json", urlencode(self.form()).encode(), headers
            )
        except (OSError, asyncio.IncompleteReadError, ValueError) as error:  # counted as failed, and said
            print(f"transport error: {type(error).__name__}", file=sys.stderr)
            return False
        return status == 200


async def throughput(poster: Poster, requests: int, concurrency: int) -> dict[str, Any]:
    latencies: list[float] = []
    failed = 0
    remaining = iter(range(requests))

    async def worker() -> None:
        nonlocal failed
        for _ in remaining:
            started = time.perf_counter()
            ok = await poster.post()
            if ok:
                latencies.append(time.perf_counter() - started)
            else:
                failed += 1

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return summary(latencies, failed, time.perf_counter() - began)


async def at_rate(poster: Poster, rate: float, seconds: float) -> dict[str, Any]:
    latencies: list[float] = []
    failed = 0

    async def one(scheduled: float) -> None:
        nonlocal failed
        ok = await poster.post()
        if ok:
            latencies.append(time.perf_counter() - scheduled)
        else:
            failed += 1

    count = int(rate * seconds)
    began = time.perf_counter()
    tasks = []
    for index in range(count):
        scheduled = began + index / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(scheduled)))
    await asyncio.gather(*tasks)
    return summary(latencies, failed, time.perf_counter() - began)


# What is still to be done after a burst, as each service's /metrics says it.
BACKLOG_GAUGES = ("acikkapi_consumer_lag_records", "acikkapi_relay_lag_events", "acikkapi_sms_outbox_pending")


def backlog(metrics_text: str) -> float:
    """Returns the sum of the backlog gauges in a /metrics page (Prometheus text format)."""
    total = 0.0
    for line in metrics_text.splitlines():
        name = line.split("{", 1)[0].split(" ", 1)[0]
        if name in BACKLOG_GAUGES:
            total += float(line.rsplit(" ", 1)[1])
    return total


def stack_backlog() -> float:
    """Returns what every service of the stack has still to do (ports as the stack's environment)."""
    total = 0.0
    for service, default in SERVICE_PORTS.items():
        port = os.environ.get(port_variable(service), str(default))
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as answer:
            total += backlog(answer.read().decode("utf-8"))
    return total


async def settle(limit_s: float) -> float:
    """Waits until the stack has no backlog in two polls in a row; returns how long that took."""
    began = time.perf_counter()
    calm = 0
    while calm < 2:
        if time.perf_counter() - began > limit_s:
            raise SystemExit(f"the stack still had a backlog after {limit_s:.0f} s")
        calm = calm + 1 if await asyncio.to_thread(stack_backlog) == 0 else 0
        await asyncio.sleep(0.25)
    return round(time.perf_counter() - began, 2)


async def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    port = os.environ.get("ACIKKAPI_INTAKE_PORT", "8001")
    var = Path(os.environ.get("ACIKKAPI_VAR_DIR", "var"))
    parser.add_argument("--url", default=f"http://127.0.0.1:{port}")
    parser.add_argument("--keys-file", type=Path, default=var / "data" / KEYS_FILE_NAME)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rate", type=float, default=150.0, help="POSTs a second of the fixed-rate phase")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--no-settle", action="store_true", help="start the fixed rate at once, not after the backlog"
    )
    parser.add_argument("--settle-timeout", type=float, default=120.0)
    arguments = parser.parse_args()
    api_key = issue(arguments.keys_file, "bench-open311")
    poster = Poster(Pool(arguments.url), api_key)
    await asyncio.gather(*(poster.post() for _ in range(20)))  # warm-up: connections, caches
    results: dict[str, dict[str, Any]] = {
        "throughput": {
            "concurrency": arguments.concurrency,
            **await throughput(poster, arguments.requests, arguments.concurrency),
        },
    }
    settled = None if arguments.no_settle else await settle(arguments.settle_timeout)
    results["fixed_rate"] = {
        "rate": arguments.rate,
        "settled_after_s": settled,
        **await at_rate(poster, arguments.rate, arguments.seconds),
    }
    if arguments.json:
        print(json.dumps(results))
    else:
        for phase, figures in results.items():
            print(phase, " ".join(f"{name}={value}" for name, value in figures.items()))
    return 1 if any(figures["failed"] for figures in results.values()) else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
