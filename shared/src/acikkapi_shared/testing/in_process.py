"""A whole service in process for tests: built by its composition root, fed without Kafka."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeVar

from acikkapi_shared.decider import Decider, fold
from acikkapi_shared.events.base import EventPayload
from acikkapi_shared.events.envelope import EventEnvelope
from acikkapi_shared.eventstore.relay import record_headers
from acikkapi_shared.messaging.inbound import InboundMessage
from acikkapi_shared.runtime import ServiceRuntime
from acikkapi_shared.settings import ServiceSettings
from acikkapi_shared.testing.fakes import RecordingPublisher

State = TypeVar("State")
Command = TypeVar("Command")


def decide_after(
    decider: Decider[State, Command], stream_id: str, given: Sequence[EventPayload], command: Command
) -> Sequence[EventPayload]:
    """Returns the events the decider decides for command after the given events (given/when/then)."""
    return decider.decide(command, fold(decider, stream_id, given))


def settings_for(service: str, data_dir: Path) -> ServiceSettings:
    """Returns settings of a service on an SQLite file in data_dir, creating no topics."""
    return ServiceSettings(service=service, data_dir=data_dir, create_topics=False)


@contextlib.asynccontextmanager
async def running(runtime: ServiceRuntime) -> AsyncIterator[ServiceRuntime]:
    """Starts the runtime (no Kafka when it was built with a record publisher) and stops it after."""
    await runtime.start()
    try:
        yield runtime
    finally:
        await runtime.stop()


class Feed:
    """Consumed messages for a service's processor, numbered as a topic's offsets would be."""

    def __init__(self) -> None:
        self._offsets: dict[str, int] = {}

    def message(self, topic: str, value: bytes, headers: dict[str, str] | None = None) -> InboundMessage:
        """Returns the next message of a topic (partition 0)."""
        offset = self._offsets.get(topic, 0)
        self._offsets[topic] = offset + 1
        return InboundMessage(topic, 0, offset, None, value, headers or {})

    def event(self, topic: str, event: EventEnvelope) -> InboundMessage:
        """Returns an event as the relay would have published it."""
        return self.message(topic, event.to_json_bytes(), record_headers(event))


def upstream(
    service: str, payload: EventPayload, *, correlation_id: str, occurred_at: datetime, position: int = 1
) -> EventEnvelope:
    """Returns an event as another service would have recorded it."""
    return EventEnvelope(
        event_id=uuid.uuid4(),
        service=service,
        stream_id=correlation_id,
        stream_version=1,
        position=position,
        type=payload.TYPE,
        schema_version=payload.SCHEMA_VERSION,
        occurred_at=occurred_at,
        recorded_at=occurred_at,
        correlation_id=correlation_id,
        causation_id=None,
        payload=payload.to_payload(),
    )


class UpstreamCase:
    """One case's events as the router, the sla-monitor and the notifier record them, each in its own sequence
    (an hour apart from start); cause: the event the new one followed (its causation id)."""

    def __init__(self, number: str, start: datetime) -> None:
        self.number = number
        self.versions = {"router": 0, "sla-monitor": 0, "notifier": 0}
        self.moment = start

    def event(self, service: str, payload: EventPayload, cause: EventEnvelope | None = None) -> EventEnvelope:
        self.versions[service] += 1
        self.moment += timedelta(hours=1)
        recorded = upstream(service, payload, correlation_id=self.number, occurred_at=self.moment)
        update = {"stream_version": self.versions[service], "causation_id": cause and str(cause.event_id)}
        return recorded.model_copy(update=update)


async def relayed(publisher: RecordingPublisher, count: int, within: float = 5.0) -> list[EventEnvelope]:
    """Returns the envelopes the relay published once there are at least count of them."""
    deadline = time.monotonic() + within
    while len(publisher.sent) < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"the relay published {len(publisher.sent)} records, not {count}")
        await asyncio.sleep(0.01)
    return publisher.envelopes()
