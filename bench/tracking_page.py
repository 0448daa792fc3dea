"""The tracking page's look-ups per second over real HTTP, with latency percentiles, on intake alone.

    uv run python bench/tracking_page.py [--applications 200] [--requests 2000] [--concurrency 8] [--json]

Registers N applications through intake's processor (portal submissions, on a fresh SQLite file) and
gives each a timeline of five lines (the router's routing, acknowledgement and question, the
sla-monitor's deadline and pause), then serves intake's HTTP app with uvicorn on 127.0.0.1 in a child
process without Kafka, and sends `--requests` look-ups of the page (POST /takip with the number and
the tracking code, as the form does; each answer the whole HTML page with its signed forms) from
`--concurrency` clients, spread over the applications. Prints look-ups/s and p50/p90/p99/max; exit
code 1 if any answer was not a 200 showing the timeline.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from http_bench import Tally, child_server, main, run_clients

from acikkapi_shared.observability.logging import configure_logging
from acikkapi_shared.testing.case_events import information_requested
from acikkapi_shared.testing.fakes import RecordingPublisher
from acikkapi_shared.testing.in_process import Feed, running, settings_for, upstream
from intake.app import build_app, build_runtime
from intake.projections import applications

INSTITUTION = "BELEDIYE_KARS"
TEXT = "Yusufpaşa Mahallesi'nde iki gündür içme suyu kesik, belediyeyi aradık ama kimse ilgilenmiyor."


def submission(index: int, now: datetime) -> bytes:
    document = {
        "submission_id": str(uuid.UUID(int=index + 1)),
        "submitted_at": now.isoformat(),
        "channel": "WEB",
        "applicant": {"name": "Ayşe Yılmaz", "phone": "+905321234567"},
        "topic": "YEREL_YONETIMLER",
        "type": "SIKAYET",
        "district": "MERKEZ",
        "text": TEXT,
    }
    return json.dumps(document).encode()


def timeline_events(number: str, now: datetime, feed: Feed, topics: Any) -> list[Any]:
    """The router's and the sla-monitor's events of one case, each in its own sequence."""
    versions = {"router": 0, "sla-monitor": 0}
    messages = []
    due = now + timedelta(days=14)
    for service, payload in information_requested(
        number, INSTITUTION, received_at=now, due_at=due, question="Sokak adı nedir?"
    ):
        versions[service] += 1
        event = upstream(service, payload, correlation_id=number, occurred_at=now)
        event = event.model_copy(update={"stream_version": versions[service]})
        messages.append(feed.event(topics.events_of(service), event))
    return messages


async def seed(directory: Path, count: int) -> list[tuple[str, str]]:
    """Registers the applications and records their timelines; returns (number, tracking code)."""
    runtime = build_runtime(settings_for("intake", directory), record_publisher=RecordingPublisher())
    topics, feed, now = runtime.settings.topics, Feed(), datetime.now(UTC)
    async with running(runtime):
        for start in range(0, count, 100):
            batch = [submission(i, now) for i in range(start, min(count, start + 100))]
            await runtime.processor.process([feed.message(topics.portal_submissions, body) for body in batch])
        async with runtime.engine.connect() as connection:
            query = sa.select(applications.c.application_number, applications.c.tracking_code)
            issued = [(row[0], row[1]) for row in await connection.execute(query)]
        for number, _code in issued:
            await runtime.processor.process(timeline_events(number, now, feed, topics))
    return issued


def serve(directory: Path, port: int) -> None:
    """The child process: intake's HTTP app on the seeded database, no Kafka."""
    configure_logging("intake", level="WARNING", json=True)
    import uvicorn

    app = build_app(settings_for("intake", directory), record_publisher=RecordingPublisher())
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False, log_config=None)


async def drive(base: str, issued: list[tuple[str, str]], requests: int, concurrency: int) -> dict[str, Any]:
    """Sends the look-ups from the clients; returns the figures."""

    async def send(http: httpx.AsyncClient, index: int, tally: Tally) -> None:
        number, code = issued[index % len(issued)]
        answer = await tally.timed(http.post("/takip", data={"numara": number, "takip_kodu": code}))
        if answer.status_code != 200 or "Kurum sizden ek bilgi istedi" not in answer.text:
            tally.failures.append(f"{number}: {answer.status_code} {answer.text[:200]}")

    tally = await run_clients(base, concurrency, range(requests), send)
    return {"applications": len(issued), "concurrency": concurrency, **tally.figures("lookups")}


def options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--applications", type=int, default=200)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)


def measure(args: argparse.Namespace, directory: Path) -> dict[str, Any]:
    # Every look-up succeeds: the failure limiter is not what is measured.
    issued = asyncio.run(seed(directory, args.applications))
    with child_server(__file__, directory, "intake") as base:
        return asyncio.run(drive(base, issued, args.requests, args.concurrency))


def summary(figures: dict[str, Any]) -> str:
    return (
        f"{figures['lookups']} page look-ups over {figures['applications']} applications, concurrency "
        f"{figures['concurrency']}: {figures['lookups_per_second']}/s"
    )


if __name__ == "__main__":
    sys.exit(main(__doc__, options, serve, measure, summary))
