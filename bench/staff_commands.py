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
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from http_bench import Tally, child_server, main, run_clients

from acikkapi_shared.application_numbers import format_application_number
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
    return format_application_number(2026, index + 1)  # the staff routes check the check character


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


async def drive(base: str, issuer: LocalIssuer, cases: int, concurrency: int) -> dict[str, Any]:
    """Sends every case's commands from the workers; returns the figures."""
    tokens = {subject: issuer.issue_token(subject) for subject in ("belediye", "inceleme")}

    async def send(http: httpx.AsyncClient, number: str, tally: Tally) -> None:
        for command, subject, body in STEPS:
            headers = {"Authorization": f"Bearer {tokens[subject]}", "Idempotency-Key": f"{command}-{number}"}
            answer = await tally.timed(
                http.post(f"/api/v1/cases/{number}/{command}", json=body, headers=headers)
            )
            if answer.status_code != 200:
                tally.failures.append(f"{number} {command}: {answer.status_code} {answer.text[:200]}")
                break

    tally = await run_clients(base, concurrency, (number_of(i) for i in range(cases)), send)
    return {"cases": cases, "concurrency": concurrency, **tally.figures("commands")}


def options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=16)


def measure(args: argparse.Namespace, directory: Path) -> dict[str, Any]:
    issuer = issuer_in(directory)
    asyncio.run(seed(directory, args.cases))
    with child_server(__file__, directory, "the router") as base:
        return asyncio.run(drive(base, issuer, args.cases, args.concurrency))


def summary(figures: dict[str, Any]) -> str:
    return (
        f"{figures['commands']} commands on {figures['cases']} cases, concurrency "
        f"{figures['concurrency']}: {figures['commands_per_second']} commands/s"
    )


if __name__ == "__main__":
    sys.exit(main(__doc__, options, serve, measure, summary))
