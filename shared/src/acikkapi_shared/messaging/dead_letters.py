"""Dead letters: a message that cannot be applied is recorded in the log, then sent to a topic.

The record in the log comes first, in the same transaction as the message's tracking row, so the
reason survives even when the dead-letter topic is unreachable. It is a private event: it stays in
the service's log. The log keeps no copy of the body, which may hold personal data and the log is
kept for ever: only its SHA-256 and size, enough to match it with the dead-letter topic's copy (kept
for a limited time, see messaging/kafka.py) or with what a producer says it sent.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from acikkapi_shared.decider import Decider
from acikkapi_shared.events.base import EventPayload, EventTypes, Upcaster
from acikkapi_shared.messaging.failures import storable
from acikkapi_shared.messaging.inbound import InboundMessage

MAX_ID = 200


def _without_body(document: dict[str, Any]) -> dict[str, Any]:
    """Version 1 kept up to 4 KB of the body; read as version 2, that copy is not carried on."""
    document.pop("body", None)
    return {**document, "body_sha256": None, "body_bytes": None}


class MessageDeadLettered(EventPayload):
    """A consumed message set aside with the reason (which quotes none of its content).

    body_sha256/body_bytes: the digest and size of the raw body (None for version 1 records).
    """

    SCHEMA_VERSION = 2
    UPCASTERS: ClassVar[Mapping[int, Upcaster]] = {1: _without_body}

    consumer: str
    source: str
    reason: str
    key: str
    body_sha256: str | None
    body_bytes: int | None


@dataclass(frozen=True)
class RecordDeadLetter:
    message: InboundMessage
    consumer: str
    reason: str


def _decide(command: RecordDeadLetter, recorded: bool) -> Sequence[EventPayload]:
    if recorded:
        return []
    message = command.message
    return [
        MessageDeadLettered(
            consumer=command.consumer,
            source=storable(message.source),
            reason=storable(command.reason),
            key=storable((message.key or b"")[:MAX_ID].decode("utf-8", errors="replace")),
            body_sha256=hashlib.sha256(message.value or b"").hexdigest(),
            body_bytes=len(message.value or b""),
        )
    ]


dead_letters: Decider[bool, RecordDeadLetter] = Decider(
    name="dead-letter",
    initial=lambda _stream: False,
    evolve=lambda _recorded, _event: True,
    decide=_decide,
    events=EventTypes([MessageDeadLettered]),
)


def dead_letter_stream(consumer: str, message: InboundMessage) -> str:
    """Returns the stream of a message's dead letter, short enough for any database column."""
    stream = f"dead-letter:{consumer}:{message.source}"
    if len(stream) <= MAX_ID:
        return stream
    return f"dead-letter:{consumer}:{hashlib.sha256(message.source.encode()).hexdigest()}"


def bounded_id(text: str | None) -> str | None:
    """Returns an id from a header that fits the log's id columns and any database, or None."""
    if not text:
        return None
    cleaned = storable(text)
    return cleaned if len(cleaned) <= MAX_ID else None
