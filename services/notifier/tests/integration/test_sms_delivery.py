"""SMS never lost, never twice: outages, account refusals, lost answers, failed records, two instances,
a day of failures and a re-drive, judged from the simulator's raw request log and counters (what a
provider without idempotency keys would have delivered), not from its de-duplicated messages.

The notifier runs in process: intents come in as intake's and sla-monitor's events through its own
processor; the dispatcher is built by the composition root and driven round by round by the test,
which moves a manual clock instead of sleeping.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from prometheus_client import REGISTRY
from sqlalchemy.ext.asyncio import AsyncConnection
from structlog.testing import capture_logs

from acikkapi_cli.main import main as acikkapi
from acikkapi_shared.clock import ManualClock
from acikkapi_shared.events.intake import Applicant, ApplicationRegistered
from acikkapi_shared.events.sla_monitor import DeadlineSet
from acikkapi_shared.eventstore.schema import events
from acikkapi_shared.eventstore.store import PendingEvent
from acikkapi_shared.runtime import ServiceRuntime
from acikkapi_shared.staff.identity import Role
from acikkapi_shared.staff.keys import FileKeySet
from acikkapi_shared.staff.local import LocalIssuer, StaffUser
from acikkapi_shared.staff.tokens import TokenValidator
from acikkapi_shared.testing.fakes import RecordingPublisher
from acikkapi_shared.testing.faults import database_error
from acikkapi_shared.testing.in_process import Feed, running, settings_for, upstream
from notifier.adapters.netgsm import NetgsmSmsProvider
from notifier.adapters.sms import ProviderAcceptance, SmsMessage
from notifier.app import build_dispatcher, build_runtime, http_app
from notifier.dispatcher import SmsDispatcher
from notifier.projections import pending_count, sms_jobs, sms_outbox
from sms_gateway_sim.testing import FaultRequest, RequestRecord, SimulatorControl, running_simulator

T0 = datetime(2026, 5, 22, 11, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def simulator_url() -> Iterator[str]:
    with running_simulator() as url:
        yield url


@pytest.fixture
def simulator(simulator_url: str) -> Iterator[SimulatorControl]:
    control = SimulatorControl(simulator_url)
    control.clear_faults()
    control.clear()
    yield control
    control.clear_faults()


def phone(n: int) -> str:
    """Returns the n-th applicant's mobile number (E.164)."""
    return f"+90532{n:07d}"


def national(n: int) -> str:
    """Returns the n-th applicant's number as the provider stores it."""
    return phone(n)[3:]


@dataclass
class Notifier:
    """One notifier instance: its runtime (no Kafka), its dispatcher and the shared manual clock."""

    runtime: ServiceRuntime
    dispatcher: SmsDispatcher
    clock: ManualClock
    feed: Feed = field(default_factory=Feed)
    cases: int = 0

    async def request_sms(self, count: int = 1) -> list[int]:
        """Feeds count new cases (contact and deadline); returns their applicant numbers."""
        topics = self.runtime.settings.topics
        started = self.cases
        messages = []
        for n in range(started + 1, started + count + 1):
            number = f"2026-{n:06d}-N"
            now = self.clock.now()
            registered = ApplicationRegistered(
                application_number=number,
                tracking_code="K7QX-9M2D-WR4T",
                submission_id=f"s-{n}",
                channel="WEB",
                received_at=now,
                topic="YEREL_YONETIMLER",
                type="SIKAYET",
                district="MERKEZ",
                text="Su kesik.",
                applicant=Applicant(name="Ayşe Yılmaz", phone=phone(n)),
            )
            deadline = DeadlineSet(
                application_number=number,
                institution="BELEDIYE_KARS",
                received_at=now,
                budget_days=7,
                due_at=now + timedelta(days=10),
            )
            for service, event in (("intake", registered), ("sla-monitor", deadline)):
                envelope = upstream(service, event, correlation_id=number, occurred_at=now)
                messages.append(self.feed.event(topics.events_of(service), envelope))
        await self.runtime.processor.process(messages)
        self.cases += count
        return list(range(started + 1, started + count + 1))

    async def drain(self) -> int:
        """Runs dispatch rounds until one sends nothing; returns the jobs sent."""
        sent = 0
        while count := await self.dispatcher.dispatch_due():
            sent += count
        return sent

    async def pending(self) -> int:
        """Returns the SMS not yet accepted."""
        async with self.runtime.engine.connect() as connection:
            return await pending_count(connection)

    async def statuses(self) -> Counter[str]:
        """Returns how many intents are in each outbox status."""
        async with self.runtime.engine.connect() as connection:
            rows = await connection.execute(sa.select(sms_outbox.c.status))
            return Counter(str(row.status) for row in rows)

    async def jobs(self) -> list[Any]:
        """Returns the job rows."""
        async with self.runtime.engine.connect() as connection:
            return list(await connection.execute(sa.select(sms_jobs)))


async def settle(*nodes: Notifier, step: timedelta = timedelta(seconds=30), most: int = 200) -> None:
    """Moves the clock step by step, draining every node, until no SMS is pending."""
    clock = nodes[0].clock
    for _ in range(most):
        for node in nodes:
            await node.drain()
        if await nodes[0].pending() == 0:
            return
        clock.advance(step)
    raise AssertionError(f"{await nodes[0].pending()} SMS still pending after {most} steps of {step}")


NotifierFactory = Callable[..., Any]


@pytest.fixture
async def notifiers(tmp_path: Path, simulator_url: str) -> AsyncIterator[NotifierFactory]:
    """Returns a factory of notifier instances on one clock: make(instance_id, database_url=None,
    client_timeout=5.0, provider_class=NetgsmSmsProvider, **dispatcher options); all on tmp_path's
    SQLite file unless a database is given."""
    clock = ManualClock(T0)
    async with AsyncExitStack() as stack:

        async def make(
            instance_id: str = "notifier-a",
            *,
            database_url: str | None = None,
            client_timeout: float = 5.0,
            provider_class: type[NetgsmSmsProvider] = NetgsmSmsProvider,
            **options: Any,
        ) -> Notifier:
            settings = settings_for("notifier", tmp_path).model_copy(
                update={"database_url": database_url, "instance_id": instance_id}
            )
            client = await stack.enter_async_context(httpx.AsyncClient(timeout=client_timeout))
            provider = provider_class(
                base_url=simulator_url,
                usercode="acikkapi",
                password="acikkapi",
                msgheader="KARSVALILIK",
                client=client,
            )
            runtime = build_runtime(
                settings,
                clock=clock,
                provider=provider,
                record_publisher=RecordingPublisher(),
                dispatch=False,
            )
            await stack.enter_async_context(running(runtime))
            options.setdefault("send_timeout", client_timeout * 2)
            options.setdefault("lease", timedelta(seconds=client_timeout * 2 + 30))
            dispatcher = build_dispatcher(runtime, provider, instance_id=instance_id, **options)
            return Notifier(runtime, dispatcher, clock)

        yield make


def keys_by_numbers(requests: list[RequestRecord]) -> dict[str, set[tuple[str, ...]]]:
    """Returns, for each idempotency key, the sets of numbers its requests carried."""
    found: dict[str, set[tuple[str, ...]]] = {}
    for record in requests:
        found.setdefault(str(record["idempotency_key"]), set()).add(tuple(record["numbers"]))
    return found


def assert_each_sms_once(simulator: SimulatorControl, numbers: list[int]) -> None:
    """Asserts from the raw evidence that each number was delivered once, and only once, even by a
    provider that ignores idempotency keys, and that every job kept its key and members."""
    stats = simulator.stats()
    assert stats["deliveries_without_idempotency"] == len(numbers) == stats["accepted"], stats
    accepted = [r for r in simulator.requests() if r["code"] == "00"]
    delivered = Counter(n for r in accepted for n in r["numbers"])
    assert delivered == Counter(national(n) for n in numbers)
    assert all(len(members) == 1 for members in keys_by_numbers(simulator.requests()).values())


OUTAGES: list[FaultRequest] = [{"down": True}, {"down": True, "drop_connection": True}]


def alarm(code: str) -> float | None:
    """Returns the provider-account alarm gauge for a refusal code."""
    return REGISTRY.get_sample_value("acikkapi_sms_provider_account_refused", {"code": code})


async def half_an_hour(node: Notifier, per_minute: int = 2) -> list[int]:
    """Lets intents arrive for 30 simulated minutes, the dispatcher working all along."""
    numbers: list[int] = []
    for _ in range(30):
        numbers += await node.request_sms(per_minute)
        await node.drain()
        node.clock.advance(timedelta(minutes=1))
    return numbers


def keys_of_numbers(simulator: SimulatorControl) -> dict[str, set[str]]:
    """Returns the idempotency keys each number was sent under."""
    found: dict[str, set[str]] = {}
    for record in simulator.requests():
        for number in record["numbers"]:
            found.setdefault(number, set()).add(str(record["idempotency_key"]))
    return found


def pending_gauge() -> float | None:
    """Returns the gauge of SMS not yet accepted, as the last round set it."""
    return REGISTRY.get_sample_value("acikkapi_sms_outbox_pending")


async def test_a_round_reports_the_pending_sms_and_leases_the_planned_jobs_it_could_not_send_at_once(
    notifiers: NotifierFactory, simulator: SimulatorControl
) -> None:
    node = await notifiers(job_size=1, concurrency=2)
    numbers = await node.request_sms(3)
    assert await node.dispatcher.dispatch_due() == 2  # three jobs planned, two leased with the plan
    assert pending_gauge() == 3  # read before either was answered
    assert await node.dispatcher.dispatch_due() == 1  # the third, planned before, read as due
    assert await node.dispatcher.dispatch_due() == 0
    assert pending_gauge() == 0
    assert await node.statuses() == {"ACCEPTED": 3}
    assert_each_sms_once(simulator, numbers)


@pytest.mark.parametrize("outage", OUTAGES, ids=["down", "drop_connection"])
async def test_a_provider_down_for_half_an_hour_then_back_sends_each_sms_once(
    notifiers: NotifierFactory, simulator: SimulatorControl, outage: FaultRequest
) -> None:
    node = await notifiers()
    with simulator.injecting(**outage):
        numbers = await half_an_hour(node)
        assert await node.statuses() == {"PENDING": 60}
        during = simulator.requests()
    assert during and all(record["code"] != "00" for record in during)
    assert all(
        record["fault"] == ("drop_connection" if outage.get("drop_connection") else "down")
        for record in during
    )
    await settle(node)
    assert await node.statuses() == {"ACCEPTED": 60}
    assert_each_sms_once(simulator, numbers)
    assert all(len(keys) == 1 for keys in keys_of_numbers(simulator).values())  # no new key, ever


@pytest.mark.parametrize(
    ("refusal", "code"), [({"account_refused": "30"}, "30"), ({"unauthorized": True}, "http_401")]
)
async def test_an_account_refused_for_half_an_hour_pauses_sending_and_raises_the_alarm_failing_nothing(
    notifiers: NotifierFactory, simulator: SimulatorControl, refusal: FaultRequest, code: str
) -> None:
    node = await notifiers()
    with capture_logs() as logs, simulator.injecting(**refusal):
        numbers = await half_an_hour(node)
        assert alarm(code) == 1 and node.dispatcher.paused
        assert await node.statuses() == {"PENDING": 60}
        during = simulator.requests()
    # Probes at 0, 1, 3, 7, 15 and 25 minutes: one job each, not every message at every retry.
    assert len(during) == 6 and all(record["code"] != "00" for record in during)
    assert [e["event"] for e in logs].count("sms_provider_account_refused") == 1  # once per pause
    await settle(node, step=timedelta(minutes=1))
    assert alarm(code) == 0 and not node.dispatcher.paused
    assert await node.statuses() == {"ACCEPTED": 60}
    assert_each_sms_once(simulator, numbers)


async def test_a_lost_answer_resends_the_same_job_under_the_same_key_whatever_arrived_meanwhile(
    notifiers: NotifierFactory, simulator: SimulatorControl
) -> None:
    node = await notifiers(client_timeout=0.3)
    first = await node.request_sms(3)
    with simulator.injecting(latency_ms=1000):  # stored at once, answered after the client gave up
        await node.drain()
        (lost,) = simulator.requests()
    assert lost["code"] == "00" and await node.statuses() == {"PENDING": 3}
    later = await node.request_sms(1)  # arrives during the backoff
    await settle(node)
    resent = [r for r in simulator.requests() if r["idempotency_key"] == lost["idempotency_key"]]
    assert len(resent) == 2 and resent[1]["duplicate"]
    (members,) = {tuple(r["numbers"]) for r in resent}  # the same members, in the same order
    assert sorted(members) == [national(n) for n in first]
    keys = keys_of_numbers(simulator)
    assert all(keys[national(n)] == {lost["idempotency_key"]} for n in first)  # no new key for them
    assert lost["idempotency_key"] not in keys[national(later[0])]
    stored = Counter(message["no"] for message in simulator.messages())
    assert stored == Counter(national(n) for n in [*first, *later])
    stats = simulator.stats()
    assert stats["duplicates"] >= 1
    # The window the README names: a provider without keys would have delivered the first job twice.
    assert stats["deliveries_without_idempotency"] == 4 + 3


async def test_a_failed_outcome_record_is_retried_and_nothing_is_sent_again(
    notifiers: NotifierFactory, simulator: SimulatorControl, monkeypatch: pytest.MonkeyPatch
) -> None:
    node = await notifiers()
    numbers = await node.request_sms(120)  # three jobs: 50, 50 and 20
    store, gateway = node.runtime.store, node.runtime.gateway
    insert, run = store.insert, gateway.run
    failures = {"store": 1, "gateway": 1}

    async def insert_failing_once(connection: AsyncConnection, pending: Any) -> Any:
        outcomes = [p for p in pending if isinstance(p, PendingEvent) and p.event.type == "SmsJobAccepted"]
        if outcomes and failures["store"]:
            failures["store"] -= 1
            raise database_error("57P01")  # a failover: transient, retried by the gateway
        return await insert(connection, pending)

    async def run_failing_once(body: Any, context: Any, *, channel: str) -> Any:
        if channel == "sms-outcome" and failures["gateway"]:
            failures["gateway"] -= 1
            raise database_error("XX000")  # not transient: the gateway gives up, the dispatcher retries
        return await run(body, context, channel=channel)

    monkeypatch.setattr(store, "insert", insert_failing_once)
    monkeypatch.setattr(gateway, "run", run_failing_once)
    await settle(node)
    assert failures == {"store": 0, "gateway": 0}
    assert len(simulator.requests()) == 3  # one call per job, each intent in exactly one
    assert_each_sms_once(simulator, numbers)


async def test_a_job_whose_send_raised_is_retried_alone_under_its_key_and_the_others_are_kept(
    notifiers: NotifierFactory, simulator: SimulatorControl
) -> None:
    raised: list[str] = []

    class RaisingOnceAfterSending(NetgsmSmsProvider):
        async def send_batch(
            self, messages: Sequence[SmsMessage], *, idempotency_key: str
        ) -> list[ProviderAcceptance]:
            accepted = await super().send_batch(messages, idempotency_key=idempotency_key)
            if not raised:
                raised.append(idempotency_key)
                raise RuntimeError("a bug after the provider accepted")
            return accepted

    node = await notifiers(provider_class=RaisingOnceAfterSending)
    numbers = await node.request_sms(120)  # three jobs
    await settle(node)
    sent = Counter(str(r["idempotency_key"]) for r in simulator.requests())
    assert sent[raised[0]] == 2 and sorted(sent.values()) == [1, 1, 2]  # only that job again
    assert all(len(members) == 1 for members in keys_by_numbers(simulator.requests()).values())
    assert await node.statuses() == {"ACCEPTED": len(numbers)}


async def test_a_job_whose_sender_died_is_taken_over_only_after_its_lease_under_the_same_key(
    notifiers: NotifierFactory, simulator: SimulatorControl
) -> None:
    a = await notifiers("notifier-a")
    b = await notifiers("notifier-b")
    numbers = await a.request_sms(2)
    with simulator.injecting(latency_ms=3000):
        sending = asyncio.create_task(a.dispatcher.dispatch_due())
        await asyncio.to_thread(simulator.wait_for_requests, 1)
        sending.cancel()  # a dies after the provider received the job, before its outcome
        with pytest.raises(asyncio.CancelledError):
            await sending
    assert await b.drain() == 0  # a's lease is alive: b does not send
    b.clock.advance(timedelta(seconds=5 * 2 + 30))
    assert await b.drain() == 1
    (died, taken_over) = simulator.requests()
    assert died["idempotency_key"] == taken_over["idempotency_key"] and taken_over["duplicate"]
    assert await a.statuses() == {"ACCEPTED": 2}
    assert simulator.stats()["accepted"] == len(numbers)


@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def test_two_instances_on_one_database_send_each_sms_once(
    notifiers: NotifierFactory, simulator: SimulatorControl, database: str, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue("postgres_database_url") if database == "postgres" else None
    a = await notifiers("notifier-a", database_url=url, job_size=5, batch_size=20)
    b = await notifiers("notifier-b", database_url=url, job_size=5, batch_size=20)
    numbers = await a.request_sms(80)

    async def work(node: Notifier) -> None:
        for _ in range(100):
            await node.dispatcher.dispatch_due()
            if await node.pending() == 0:
                return
        raise AssertionError("SMS still pending")

    with simulator.injecting(latency_ms=100):  # a slow provider: the two overlap
        await asyncio.gather(work(a), work(b))
    assert_each_sms_once(simulator, numbers)
    assert all(len(keys) == 1 for keys in keys_of_numbers(simulator).values())
    async with a.runtime.engine.connect() as connection:
        rows = await connection.execute(sa.select(events.c.payload).where(events.c.type == "SmsJobLeased"))
        senders = Counter(str(_payload(row.payload)["instance_id"]) for row in rows)
    assert set(senders) == {"notifier-a", "notifier-b"}, senders  # both took part


def _payload(value: Any) -> dict[str, Any]:
    return json.loads(value) if isinstance(value, str) else dict(value)


async def test_transient_failures_for_25_hours_fail_after_a_day_and_one_redrive_sends_them_once(
    notifiers: NotifierFactory, simulator: SimulatorControl, tmp_path: Path
) -> None:
    node = await notifiers()
    numbers = await node.request_sms(3)
    with simulator.injecting(fail_next=1_000_000, status=500):
        while node.clock.now() < T0 + timedelta(hours=25):
            await node.drain()
            failed = (await node.statuses()).get("FAILED", 0)
            assert failed == 0 or node.clock.now() >= T0 + timedelta(hours=24), node.clock.now()
            node.clock.advance(timedelta(minutes=10))
        assert await node.statuses() == {"FAILED": 3}
    assert simulator.stats()["deliveries_without_idempotency"] == 0
    # A member of the office re-drives them, with a token of the local issuer.
    issuer = LocalIssuer(tmp_path / "staff", clock=node.clock)
    issuer.add_user(StaffUser("ayse", "Ayşe Yılmaz", (Role.OFFICE_OFFICER,)))
    staff_tokens = TokenValidator(
        FileKeySet(issuer.jwks_path), issuer=issuer.issuer, audience=issuer.audience, clock=node.clock
    )
    app = http_app(node.runtime, staff_tokens=staff_tokens)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://notifier",
        headers={"Authorization": f"Bearer {issuer.issue_token('ayse')}"},
    ) as client:
        body = {"failed_since": T0.isoformat()}
        missing_key = await client.post("/api/v1/sms/redrive", json=body)
        first = await client.post("/api/v1/sms/redrive", json=body, headers={"Idempotency-Key": "r-1"})
        again = await client.post("/api/v1/sms/redrive", json=body, headers={"Idempotency-Key": "r-1"})
        reused = await client.post(
            "/api/v1/sms/redrive", json={"request_event_ids": []}, headers={"Idempotency-Key": "r-1"}
        )
    assert missing_key.status_code == 400 and reused.status_code == 409
    assert first.status_code == again.status_code == 200
    assert first.json()["count"] == 3 and not first.json()["replayed"]
    assert again.json() == {**first.json(), "replayed": True}
    async with node.runtime.engine.connect() as connection:
        rows = await connection.execute(sa.select(events.c.metadata).where(events.c.type == "SmsRedriven"))
        actors = {_payload(row.metadata)["actor"] for row in rows}
    assert actors == {"staff:ayse"}  # recorded under who did it
    await settle(node)
    assert await node.statuses() == {"ACCEPTED": 3}
    assert_each_sms_once(simulator, numbers)


async def test_a_message_refused_for_good_splits_its_job_and_fails_alone_then_the_cli_redrives_it(
    notifiers: NotifierFactory,
    simulator: SimulatorControl,
    tmp_path: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    node = await notifiers()
    numbers = await node.request_sms(3)
    # The job of three is refused (code 20), then each alone: the first of those refused too.
    with simulator.injecting(fail_next=2, status=406, code="20"):
        await node.drain()
    assert await node.statuses() == {"ACCEPTED": 2, "FAILED": 1}
    assert sorted(len(r["numbers"]) for r in simulator.requests()) == [1, 1, 1, 3]
    monkeypatch.delenv("ACIKKAPI_NOTIFIER_DATABASE_URL", raising=False)
    argv = ["sms", "redrive", "--failed-since", T0.isoformat(), "--data-dir", str(tmp_path), "--json"]
    argv_again = [*argv, "--idempotency-key", "cli-1"]
    assert await asyncio.to_thread(acikkapi, argv_again) == 0
    assert await asyncio.to_thread(acikkapi, argv_again) == 0
    output = capsys.readouterr().out.splitlines()
    first, again = (json.loads(line) for line in output if line.startswith("{"))
    assert len(first["redriven"]) == 1 and again == {**first, "replayed": True}
    await settle(node)
    assert await node.statuses() == {"ACCEPTED": 3}
    accepted = Counter(n for r in simulator.requests() if r["code"] == "00" for n in r["numbers"])
    assert accepted == Counter(national(n) for n in numbers)
    assert all(len(members) == 1 for members in keys_by_numbers(simulator.requests()).values())
