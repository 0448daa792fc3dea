"""An institution that never answers, on the real broker with a fast clock (one real second is
RATE seconds for every service): each warning, breach and escalation is published exactly once, also
when the sla-monitor is killed across the due moments and after its read models are rebuilt from its
log. Evidence: the sla-monitor's topic, as any consumer reads it."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer

from tests.conftest import RunningSystem, publish, read_topic, submission, system_running

pytestmark = pytest.mark.kafka

RATE = 50_000.0  # 8 business days (the last escalation) pass in about 20 real seconds
TIMERS = ("DeadlineWarning", "DeadlineBreached", "CaseEscalated")


@pytest.fixture(scope="module")
def fast_system(
    kafka_bootstrap_servers: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningSystem]:
    with system_running(kafka_bootstrap_servers, tmp_path_factory.mktemp("fast"), clock_rate=RATE) as system:
        yield system


def simulated_now(system: RunningSystem) -> datetime:
    epoch = datetime.fromisoformat(system.stack.clock["ACIKKAPI_CLOCK_EPOCH"])
    return epoch + (datetime.now(UTC) - epoch) * RATE


async def clock_events(system: RunningSystem, number: str) -> list[dict[str, Any]]:
    records = await read_topic(system.bootstrap, f"{system.prefix}.sla-monitor.events.v1")
    envelopes = [json.loads(record.value) for record in records]
    return [e for e in envelopes if e["correlation_id"] == number and e["type"] in TIMERS]


def identity(event: dict[str, Any]) -> tuple[str, str, str]:
    payload = event["payload"]
    detail = str(payload.get("days_before", payload.get("level", "")))
    return event["type"], payload["clock"], detail


EXPECTED = {
    ("DeadlineWarning", "institution", "2"),
    ("DeadlineWarning", "institution", "1"),
    ("DeadlineBreached", "institution", ""),
    ("CaseEscalated", "institution", "office"),
    ("CaseEscalated", "institution", "supervisor"),
    ("DeadlineWarning", "office", "2"),
    ("DeadlineWarning", "office", "1"),
    ("DeadlineBreached", "office", ""),
    ("CaseEscalated", "office", "supervisor"),
}


async def test_warnings_breaches_and_escalations_fire_once_across_a_kill_and_a_rebuild(
    fast_system: RunningSystem,
) -> None:
    system = fast_system
    producer = AIOKafkaProducer(bootstrap_servers=system.bootstrap, acks="all")
    await producer.start()
    try:
        received = simulated_now(system) - timedelta(minutes=5)
        document = submission(submitted_at=received.isoformat())
        await publish(producer, system.portal_topic, document)
    finally:
        await producer.stop()
    outcome = system.submission(document["submission_id"])
    assert outcome["status"] == "REGISTERED"
    number = outcome["application_number"]
    system.wait_for_sms(document["applicant"]["phone"])  # routed, clocks started

    # Killed at once, and dead across every due moment: about 17 simulated days pass meanwhile.
    os.kill(pid_of(system, "sla-monitor"), signal.SIGKILL)
    assert system.stack.wait_exited("sla-monitor", timeout=10)
    await asyncio.sleep(30)
    system.stack.restart("sla-monitor")
    fired = await wait_for_all(system, number)
    counts = Counter(identity(e) for e in fired)
    assert set(counts) == EXPECTED, counts
    assert all(count == 1 for count in counts.values()), counts
    assert all(e["payload"]["late"] for e in fired)  # fired on start, after their moments

    # Stopped, its read models (the timer schedule included) rebuilt from its own log, started
    # again: nothing fires a second time.
    os.kill(pid_of(system, "sla-monitor"), signal.SIGTERM)
    assert system.stack.wait_exited("sla-monitor", timeout=30)
    rebuilt = subprocess.run(
        [sys.executable, "-m", "acikkapi_cli.main", "replay", "projections", "sla-monitor"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "ACIKKAPI_DATA_DIR": str(system.data_dir)},
    )
    assert rebuilt.returncode == 0, rebuilt.stderr
    system.stack.restart("sla-monitor")
    await asyncio.sleep(8)  # about 4.6 simulated days more
    again = Counter(identity(e) for e in await clock_events(system, number))
    assert again == counts


def pid_of(system: RunningSystem, name: str) -> int:
    return int((system.data_dir.parent / "run" / f"{name}.pid").read_text().strip())


async def wait_for_all(system: RunningSystem, number: str) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 90
    while True:
        fired = await clock_events(system, number)
        if {identity(e) for e in fired} >= EXPECTED or time.monotonic() > deadline:
            await asyncio.sleep(2)  # and a little longer, for a second copy to show
            return await clock_events(system, number)
        await asyncio.sleep(1)
