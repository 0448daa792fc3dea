"""A consumed Kafka record, decoded only as far as is safe for any input."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from acikkapi_shared.events.envelope import EventEnvelope
from acikkapi_shared.eventstore.unit_of_work import UnitOfWork


class PoisonMessage(Exception):
    """A message that can never be applied (bad input); it is recorded with the reason, not retried."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class InboundMessage:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: dict[str, str] = field(default_factory=dict)
    timestamp_ms: int | None = None

    @property
    def source(self) -> str:
        """Returns where the message came from: topic/partition/offset."""
        return f"{self.topic}/{self.partition}/{self.offset}"

    def json_object(self) -> dict[str, Any]:
        """Returns the body as a JSON object; raises PoisonMessage when it is not one."""
        if not self.value:
            raise PoisonMessage("empty message body")
        try:
            document = json.loads(self.value.decode("utf-8"))
        except UnicodeDecodeError as error:
            raise PoisonMessage(f"body is not UTF-8: {error}") from error
        except json.JSONDecodeError as error:
            raise PoisonMessage(f"body is not JSON: {error.msg} at {error.pos}") from error
        if not isinstance(document, dict):
            raise PoisonMessage(f"body is JSON {type(document).__name__}, not an object")
        return document

    def envelope(self) -> EventEnvelope:
        """Returns the body as an event envelope; raises PoisonMessage when it is not one."""
        from pydantic import ValidationError

        document = self.json_object()
        try:
            return EventEnvelope.model_validate(document)
        except ValidationError as error:
            raise PoisonMessage(
                f"not an event envelope: {error.error_count()} errors: {error.errors(include_url=False)[:3]}"
            ) from error


def decode_headers(raw: Any) -> dict[str, str]:
    """Returns Kafka headers as text; bytes that are not UTF-8 are replaced, never fatal."""
    headers: dict[str, str] = {}
    for name, value in raw or ():
        headers[str(name)] = (value or b"").decode("utf-8", errors="replace")
    return headers


class UpstreamEventHandler:
    """Base of handlers of another service's events: the event id is the message's identity.

    Subclasses set `event_types` to the events they act on (None: all of them). A case's stream in
    every service is named by its application number, the events' correlation id, so the batch's
    streams are loaded in one query before the messages are handled.
    """

    event_types: frozenset[str] | None = None

    async def prefetch(self, work: UnitOfWork, messages: Sequence[InboundMessage]) -> None:
        """Loads the streams of the cases these messages are about, in one query."""
        await work.prefetch(
            correlation
            for message in messages
            if (correlation := message.headers.get("correlation_id"))
            and (self.event_types is None or message.headers.get("event_type") in self.event_types)
        )

    def message_key(self, message: InboundMessage) -> str:
        """Returns the upstream event id (a re-published event keeps it)."""
        return f"event:{message.envelope().event_id}"
