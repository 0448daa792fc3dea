"""CPU per application of each service, all four in one process without Kafka: a steady measure.

    uv run python bench/pipeline_cpu.py [--n 2000] [--batch 100] [--rounds 1] [--json] 2>/dev/null

Each service is built by its composition root on its own SQLite file (a temporary folder), with a
publisher that keeps what its relay sends instead of Kafka. N portal submissions (the same mix as
bench/e2e_throughput.py) go to intake's batch processor in batches of --batch, as the consumer
hands them over; whatever a service's relay publishes is delivered, in batches of --batch, to every
service that consumes its topic; the notifier's dispatcher sends to an in-process provider that
accepts every SMS. It runs until nothing moves, then prints the CPU time (`time.process_time`)
spent in each service's processor, relay and dispatcher, per application, and the events each log
holds per application.

Why: the end-to-end benchmark is the real measure, but on a shared two-core machine its figures
move with whatever else runs. CPU time per application in one process moves much less, so it
shows what a change to the write path costs or saves (compare two checkouts with it, one after the
other). It leaves out what the Kafka clients and HTTP cost.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from e2e_throughput import make_submissions

from acikkapi_shared.eventstore.database import migrate
from acikkapi_shared.eventstore.replay import ensure_read_models
from acikkapi_shared.messaging.inbound import InboundMessage
from acikkapi_shared.observability.logging import configure_logging
from acikkapi_shared.runtime import ServiceRuntime
from acikkapi_shared.serve import tune_garbage_collection
from acikkapi_shared.testing.fakes import RecordingPublisher
from acikkapi_shared.testing.in_process import settings_for
from notifier.adapters.sms import ProviderAcceptance, SmsMessage

SERVICES = ("intake", "router", "sla-monitor", "notifier")


class AcceptingProvider:
    """An SMS provider that accepts every message at once."""

    def __init__(self) -> None:
        self.sent = 0

    async def send(self, message: SmsMessage) -> ProviderAcceptance:
        self.sent += 1
        return ProviderAcceptance(f"p-{self.sent}")

    async def send_batch(
        self, messages: Sequence[SmsMessage], *, idempotency_key: str
    ) -> list[ProviderAcceptance]:
        accepted = []
        for _ in messages:
            self.sent += 1
            accepted.append(ProviderAcceptance(f"p-{self.sent}"))
        return accepted


def build(service: str, data: Path, publisher: RecordingPublisher, provider: AcceptingProvider) -> Any:
    """Returns the service's runtime (and the notifier's dispatcher) from its composition root."""
    settings = settings_for(service, data)
    if service == "intake":
        from intake.app import build_runtime as intake_runtime

        return intake_runtime(settings, record_publisher=publisher), None
    if service == "router":
        from router.app import build_runtime as router_runtime

        return router_runtime(settings, record_publisher=publisher), None
    if service == "sla-monitor":
        from sla_monitor.app import build_runtime as sla_runtime

        return sla_runtime(settings, record_publisher=publisher, timers=False), None
    from notifier.app import build_dispatcher
    from notifier.app import build_runtime as notifier_runtime

    runtime = notifier_runtime(settings, record_publisher=publisher, dispatch=False)
    return runtime, build_dispatcher(runtime, provider, instance_id="bench", round_interval=0.0)


async def run(n: int, batch: int, data: Path) -> dict[str, Any]:
    """Pushes n submissions through the four services; returns CPU and event counts."""
    provider = AcceptingProvider()
    publishers = {service: RecordingPublisher() for service in SERVICES}
    runtimes: dict[str, ServiceRuntime] = {}
    dispatcher: Any = None
    for service in SERVICES:
        runtimes[service], made = build(service, data, publishers[service], provider)
        dispatcher = made or dispatcher
    for runtime in runtimes.values():
        await migrate(runtime.engine)
        await ensure_read_models(runtime.engine, runtime.store, runtime.parts.projector, runtime.clock)
    portal = runtimes["intake"].settings.topics.portal_submissions
    inboxes: dict[str, list[InboundMessage]] = defaultdict(list)
    offsets: Counter[str] = Counter()
    rng = random.Random(7)
    for submission in make_submissions(n, rng, datetime.now(UTC)):
        inboxes["intake"].append(InboundMessage(portal, 0, offsets[portal], None, submission.payload, {}))
        offsets[portal] += 1
    cpu: Counter[str] = Counter()
    taken = dict.fromkeys(SERVICES, 0)

    def deliver(source: str) -> None:
        sent = publishers[source].sent
        for record in sent[taken[source] :]:
            message = InboundMessage(
                record.topic, 0, offsets[record.topic], record.key, record.value, record.headers
            )
            offsets[record.topic] += 1
            for service, runtime in runtimes.items():
                if record.topic in runtime.parts.translators:
                    inboxes[service].append(message)
        taken[source] = len(sent)

    moved = True
    while moved:
        moved = False
        for service in SERVICES:
            runtime = runtimes[service]
            while inboxes[service]:
                chunk, inboxes[service] = inboxes[service][:batch], inboxes[service][batch:]
                started = time.process_time()
                await runtime.processor.process(chunk)
                cpu[service] += time.process_time() - started
                moved = True
            started = time.process_time()
            while await runtime.relay.publish_pending():
                pass
            cpu[service] += time.process_time() - started
            if service == "notifier":
                started = time.process_time()
                while await dispatcher.dispatch_due(wait=True):
                    moved = True
                while await runtime.relay.publish_pending():
                    pass
                cpu[service] += time.process_time() - started
            deliver(service)
    counts = {}
    for service, runtime in runtimes.items():
        async with runtime.engine.connect() as connection:
            counts[service] = (await connection.execute(sa.text("SELECT count(*) FROM events"))).scalar()
        await runtime.engine.dispose()
    return {
        "n": n,
        "batch": batch,
        "sms_sent": provider.sent,
        "cpu_ms_per_application": {s: round(1000 * cpu[s] / n, 3) for s in SERVICES},
        "cpu_ms_total": round(1000 * sum(cpu.values()) / n, 3),
        "events_per_application": {s: round(counts[s] / n, 2) for s in SERVICES},
    }


def main() -> None:
    """Runs the benchmark --rounds times and prints each result."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    configure_logging("bench")  # JSON lines as the services write them, to stderr
    tune_garbage_collection()  # as every service does once built
    for _ in range(args.rounds):
        with tempfile.TemporaryDirectory(prefix="acikkapi-pipeline-cpu-") as folder:
            result = asyncio.run(run(args.n, args.batch, Path(folder)))
        if args.json:
            print(json.dumps(result))
            continue
        print(f"{result['n']} applications, batches of {result['batch']}, {result['sms_sent']} SMS")
        for service in SERVICES:
            print(
                f"  {service:12s} {result['cpu_ms_per_application'][service]:6.3f} ms CPU/application"
                f"  {result['events_per_application'][service]:5.2f} events/application"
            )
        print(f"  {'total':12s} {result['cpu_ms_total']:6.3f} ms CPU/application")


if __name__ == "__main__":
    main()
