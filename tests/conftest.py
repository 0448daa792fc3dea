"""The running system for end-to-end and reliability tests: the four services and the SMS simulator
as real processes, on the session's Kafka broker, with their own topics, ports and data folder."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from acikkapi_cli.devstack import SERVICES, SMS_GATEWAY, DevStack
from acikkapi_shared.testing import free_port, repo_root


@dataclass
class RunningSystem:
    stack: DevStack
    bootstrap: str
    portal_topic: str
    prefix: str
    ports: dict[str, int]
    data_dir: Path

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def sms_to(self, phone_e164: str) -> list[dict[str, Any]]:
        """Returns the SMS the gateway accepted for a number."""
        national = phone_e164.removeprefix("+90")
        response = httpx.get(f"{self.url('sms-gateway')}/_sim/messages", params={"no": national}, timeout=5)
        response.raise_for_status()
        messages: list[dict[str, Any]] = response.json()
        return messages

    def wait_for_sms(self, phone_e164: str, timeout: float = 30.0) -> list[dict[str, Any]]:
        """Polls until the number has an SMS; fails the test at the deadline."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            messages = self.sms_to(phone_e164)
            if messages:
                return messages
            time.sleep(0.1)
        pytest.fail(f"no SMS reached {phone_e164} within {timeout} s")

    def sms_stats(self) -> dict[str, Any]:
        """Returns the gateway's counters (accepted, duplicates by idempotency key, rejected…)."""
        response = httpx.get(f"{self.url('sms-gateway')}/_sim/stats", timeout=5)
        response.raise_for_status()
        stats: dict[str, Any] = response.json()
        return stats

    def status(self, application_number: str, tracking_code: str) -> httpx.Response:
        """Returns intake's answer to the citizen's status look-up."""
        return httpx.get(
            f"{self.url('intake')}/api/v1/applications/{application_number}",
            params={"tracking_code": tracking_code},
            timeout=5,
        )

    def status_when(
        self, application_number: str, tracking_code: str, shows: Callable[[dict[str, Any]], bool]
    ) -> dict[str, Any]:
        """Returns the citizen's status once it shows what is expected (fails after 30 s): intake learns
        a stage from the other services' events in its own time, which may be after the SMS of it."""
        deadline = time.monotonic() + 30
        while True:
            status: dict[str, Any] = self.status(application_number, tracking_code).json()
            if shows(status):
                return status
            if time.monotonic() > deadline:
                pytest.fail(f"{application_number}'s status never showed what was expected: {status}")
            time.sleep(0.2)

    def metric(self, service: str, name: str) -> float:
        """Returns the sum of a metric's samples on a service's /metrics."""
        text = httpx.get(f"{self.url(service)}/metrics", timeout=5).text
        return sum(
            float(line.rsplit(" ", 1)[1])
            for line in text.splitlines()
            if line.startswith(name) and line[len(name) : len(name) + 1] in ("{", " ")
        )

    async def wait_quiet(self, within: float = 60.0) -> None:
        """Waits until nothing is left to do anywhere: every consumer group has committed the end of
        its topics, every relay has published its log, the notifier has no SMS pending (twice in a row,
        half a second apart)."""
        deadline = time.monotonic() + within
        quiet_polls = 0
        while quiet_polls < 2:
            if time.monotonic() > deadline:
                pytest.fail(f"the system did not become quiet within {within} s")
            quiet = await self._consumers_caught_up() and all(
                self.metric(service, "acikkapi_relay_lag_events") == 0 for service in SERVICE_NAMES
            )
            quiet = quiet and self.metric("notifier", "acikkapi_sms_outbox_pending") == 0
            quiet_polls = quiet_polls + 1 if quiet else 0
            await asyncio.sleep(0.5)

    async def _consumers_caught_up(self) -> bool:
        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap)
        consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, group_id=None)
        await admin.start()
        await consumer.start()
        try:
            for service, topics in CONSUMED_TOPICS.items():
                names = [
                    self.portal_topic if t == "portal" else f"{self.prefix}.{t}.events.v1" for t in topics
                ]
                partitions = [
                    TopicPartition(n, p) for n in names for p in consumer.partitions_for_topic(n) or ()
                ]
                ends = await consumer.end_offsets(partitions)
                committed = await admin.list_consumer_group_offsets(f"{self.prefix}-{service}")
                for partition, end in ends.items():
                    done = committed.get(partition)
                    if end > 0 and (done is None or done.offset < end):
                        return False
            return True
        finally:
            await consumer.stop()
            await admin.close()

    def submission(self, submission_id: str, timeout: float = 30.0) -> dict[str, Any]:
        """Polls intake until it has processed the submission; returns its outcome."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            response = httpx.get(f"{self.url('intake')}/api/v1/submissions/{submission_id}", timeout=5)
            if response.status_code == 200:
                outcome: dict[str, Any] = response.json()
                return outcome
            time.sleep(0.1)
        pytest.fail(f"intake did not process submission {submission_id} within {timeout} s")


SERVICE_NAMES = ("intake", "router", "sla-monitor", "notifier")
CONSUMED_TOPICS = {
    "intake": ("portal", "router", "sla-monitor", "notifier"),
    "router": ("intake",),
    "sla-monitor": ("router",),
    "notifier": ("intake", "sla-monitor"),
}


@contextlib.contextmanager
def system_running(
    kafka_bootstrap_servers: str,
    var: Path,
    *,
    clock_rate: float = 1.0,
    prometheus: dict[str, str] | None = None,
) -> Iterator[RunningSystem]:
    """Runs the four services and the SMS simulator on the broker, with their own topics, ports and
    data folder under var; clock_rate > 1 runs every service's clock that much faster (demonstrations).
    prometheus: the ACIKKAPI_PROMETHEUS_* settings of a Prometheus the stack starts too (None: none)."""
    prefix = f"t{uuid.uuid4().hex[:8]}"
    ports = {process.name: free_port() for process in (*SERVICES, SMS_GATEWAY)}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ACIKKAPI_VAR_DIR", str(var))
        patch.setenv("ACIKKAPI_EXTERNAL_KAFKA", kafka_bootstrap_servers)
        patch.setenv("ACIKKAPI_TOPIC_PREFIX", prefix)
        patch.setenv("ACIKKAPI_PORTAL_TOPIC", f"{prefix}.portal.submissions.v1")
        patch.setenv("ACIKKAPI_LOG_LEVEL", "INFO")
        # The tests' submissions carry fixed dates whose deadlines were checked by hand.
        patch.setenv("ACIKKAPI_INTAKE_MAX_RECEIPT_AGE_DAYS", "36500")
        # Every stage's SMS at once, whatever the hour in Istanbul when the tests run (none held till 08:00).
        patch.setenv("ACIKKAPI_SMS_QUIET_HOURS_START", "00:00")
        patch.setenv("ACIKKAPI_SMS_QUIET_HOURS_END", "00:00")
        for process in (*SERVICES, SMS_GATEWAY):
            patch.setenv(process.port_variable, str(ports[process.name]))
        patch.delenv("ACIKKAPI_SMS_BASE_URL", raising=False)
        patch.delenv("ACIKKAPI_NOTIFIER_TRACKING_URL", raising=False)  # the stack's own tracking page
        patch.setenv("ACIKKAPI_PROMETHEUS", "on" if prometheus is not None else "off")
        for name, value in (prometheus or {}).items():
            patch.setenv(name, value)
        stack = DevStack(repo_root(), clock_rate=clock_rate)
        try:
            stack.up()
            yield RunningSystem(
                stack, kafka_bootstrap_servers, f"{prefix}.portal.submissions.v1", prefix, ports, var / "data"
            )
        finally:
            stack.down()


@pytest.fixture(scope="session")
def running_system(
    kafka_bootstrap_servers: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningSystem]:
    with system_running(kafka_bootstrap_servers, tmp_path_factory.mktemp("stack")) as system:
        yield system


@pytest.fixture
async def portal(running_system: RunningSystem) -> AsyncIterator[AIOKafkaProducer]:
    """A plain Kafka producer, as the citizen portal would use."""
    producer = AIOKafkaProducer(
        bootstrap_servers=running_system.bootstrap, acks="all", enable_idempotence=True
    )
    await producer.start()
    yield producer
    await producer.stop()


_phone_counter = iter(range(1_000_000))


def unique_mobile() -> str:
    """Returns a valid Turkish mobile number no other test in this session uses."""
    return f"+90532{uuid.uuid4().int % 1000:03d}{next(_phone_counter):04d}"


def submission(**overrides: Any) -> dict[str, Any]:
    """Returns a valid portal submission (contract v1) with a fresh id and phone number."""
    document: dict[str, Any] = {
        "submission_id": str(uuid.uuid4()),
        "submitted_at": "2026-05-22T14:00:00+03:00",
        "channel": "WEB",
        "applicant": {"name": "Ayşe Yılmaz", "phone": unique_mobile(), "tckn": "10000000146"},
        "topic": "YEREL_YONETIMLER",
        "type": "SIKAYET",
        "district": "MERKEZ",
        "text": (
            "Yusufpaşa Mahallesi'nde iki gündür içme suyu kesik, belediyeyi aradık ama kimse ilgilenmiyor."
        ),
    }
    document.update(overrides)
    return document


async def publish(
    producer: AIOKafkaProducer, topic: str, document: dict[str, Any] | bytes, key: str | None = None
) -> None:
    """Publishes one portal message and waits for the broker's acknowledgement."""
    value = document if isinstance(document, bytes) else json.dumps(document).encode()
    if key is None and isinstance(document, dict):
        key = str(document.get("submission_id"))
    await producer.send_and_wait(topic, value, key=key.encode() if key else None)


async def read_topic(bootstrap: str, topic: str, within: float = 30.0) -> list[Any]:
    """Returns every record a topic holds now, read from the beginning with read_committed."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=None,
        isolation_level="read_committed",
        auto_offset_reset="earliest",  # no group, no committed offset: every partition from its start
    )
    await consumer.start()
    try:
        deadline = time.monotonic() + within
        while not consumer.assignment():  # without a group, every partition once metadata has it
            if time.monotonic() > deadline:
                pytest.fail(f"no partitions of {topic} within {within} s")
            await asyncio.sleep(0.05)
        partitions = sorted(consumer.assignment())
        end = await consumer.end_offsets(partitions)
        records: list[Any] = []
        while any(position < end[p] for p, position in [(p, await consumer.position(p)) for p in end]):
            if time.monotonic() > deadline:
                pytest.fail(f"{topic} could not be read to its end within {within} s")
            for batch in (await consumer.getmany(*partitions, timeout_ms=500)).values():
                records.extend(batch)
        return records
    finally:
        await consumer.stop()
