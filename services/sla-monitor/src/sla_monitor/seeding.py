"""Routed cases fed to a running sla-monitor through its own consumer path (the processor, as Kafka
messages from the router's topic would be): for in-process tests, benchmarks and demonstrations."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from acikkapi_shared.events.router import CaseRouted
from acikkapi_shared.runtime import ServiceRuntime
from acikkapi_shared.testing.in_process import Feed, upstream

INSTITUTION = "BELEDIYE_KARS"


def routed(number: str, at: datetime, institution: str = INSTITUTION) -> CaseRouted:
    """Returns the router's event for a case received and routed at `at`."""
    return CaseRouted(
        application_number=number,
        institution=institution,
        institution_name="Kars Belediyesi" if institution == INSTITUTION else institution,
        rule="water",
        confidence=0.9,
        matched=["su"],
        table_version="t",
        received_at=at,
    )


async def route(
    runtime: ServiceRuntime, numbers: Sequence[str], at: datetime, feed: Feed | None = None
) -> None:
    """Feeds one CaseRouted per number, at `at`, to the runtime's processor in one batch."""
    feed = feed or Feed()
    topic = runtime.settings.topics.events_of("router")
    await runtime.processor.process(
        [
            feed.event(topic, upstream("router", routed(number, at), correlation_id=number, occurred_at=at))
            for number in numbers
        ]
    )
