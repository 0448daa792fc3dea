"""Measures the simulator's send throughput: python load.py --url http://127.0.0.1:8025 -n 3000.

It speaks HTTP/1.1 keep-alive over raw asyncio streams, so the load generator itself costs little
CPU and the figure measures the simulator rather than the client library.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import itertools
import json
import time
from urllib.parse import urlsplit

AUTHORIZATION = "Basic " + base64.b64encode(b"acikkapi:acikkapi").decode()


def _request(host: str, index: int, run_id: int) -> bytes:
    """Returns one complete send request with a unique idempotency key."""
    body = json.dumps(
        {
            "msgheader": "KARSVALILIK",
            "messages": [{"msg": f"Başvurunuz alınmıştır {index}", "no": "5321234567"}],
            "encoding": "TR",
            "iysfilter": "0",
        }
    ).encode()
    head = (
        f"POST /sms/rest/v2/send HTTP/1.1\r\nHost: {host}\r\nAuthorization: {AUTHORIZATION}\r\n"
        f"Content-Type: application/json\r\nIdempotency-Key: load-{run_id}-{index}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def _read_response(reader: asyncio.StreamReader) -> int:
    """Reads one response and returns its status code."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    length = next(int(line.split(":", 1)[1]) for line in lines if line.lower().startswith("content-length:"))
    await reader.readexactly(length)
    return status


async def run(url: str, total: int, concurrency: int) -> tuple[float, int]:
    """Sends total requests over this many connections; returns (requests/s, non-200 answers)."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    counter = itertools.count()
    run_id = time.time_ns()
    failures = 0

    async def connection() -> None:
        nonlocal failures
        reader, writer = await asyncio.open_connection(host, port)
        while (index := next(counter)) < total:
            writer.write(_request(host, index, run_id))
            if await _read_response(reader) != 200:
                failures += 1
        writer.close()
        await writer.wait_closed()

    started = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(concurrency)))
    return total / (time.perf_counter() - started), failures


def main() -> None:
    """Prints the measured throughput."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="http://127.0.0.1:8025")
    parser.add_argument("-n", "--total", type=int, default=3000)
    parser.add_argument("-c", "--concurrency", type=int, default=20)
    args = parser.parse_args()
    rate, failures = asyncio.run(run(args.url, args.total, args.concurrency))
    print(
        f"{args.total} sends over {args.concurrency} connections: {rate:.0f} requests/s, {failures} not 200"
    )


if __name__ == "__main__":
    main()
