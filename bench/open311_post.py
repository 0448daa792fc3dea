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
   the achieved rate and p50/p90/p99/max.
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
import uuid
from pathlib import Path
from typing import Any

import httpx

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


class Poster:
    def __init__(self, client: httpx.AsyncClient, api_key: str) -> None:
        self.client = client
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
        try:
            answer = await self.client.post(
                "/open311/v2/requests.json", data=self.form(), headers={"Idempotency-Key": str(uuid.uuid4())}
            )
        except httpx.TransportError as error:  # counted as failed, and said
            print(f"transport error: {type(error).__name__}", file=sys.stderr)
            return False
        return answer.status_code == 200


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
    arguments = parser.parse_args()
    api_key = issue(arguments.keys_file, "bench-open311")
    # Idle connections are dropped before uvicorn's 5 s keep-alive ends (a POST on a closed one fails).
    limits = httpx.Limits(max_connections=max(arguments.concurrency, 256), keepalive_expiry=2.0)
    async with httpx.AsyncClient(base_url=arguments.url, timeout=60, limits=limits) as client:
        poster = Poster(client, api_key)
        await asyncio.gather(*(poster.post() for _ in range(20)))  # warm-up: connections, caches
        results = {
            "throughput": {
                "concurrency": arguments.concurrency,
                **await throughput(poster, arguments.requests, arguments.concurrency),
            },
            "fixed_rate": {
                "rate": arguments.rate,
                **await at_rate(poster, arguments.rate, arguments.seconds),
            },
        }
    if arguments.json:
        print(json.dumps(results))
    else:
        for phase, figures in results.items():
            print(phase, " ".join(f"{name}={value}" for name, value in figures.items()))
    return 1 if any(figures["failed"] for figures in results.values()) else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
