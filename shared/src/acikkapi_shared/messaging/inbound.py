"""A consumed Kafka record, decoded only as far as is safe for any input, and what translates it."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import ValidationError

from acikkapi_shared.commands import CommandRunner
from acikkapi_shared.events.envelope import EventEnvelope
from acikkapi_shared.messaging.failures import PoisonMessage, describe

__all__ = [
    "InboundMessage",
    "MessageTranslator",
    "PoisonMessage",
    "UpstreamEventTranslator",
    "decode_headers",
]


@dataclass(frozen=True)
class InboundMessage:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: dict[str, str] = field(default_factory=dict)
    timestamp_ms: int | None = None
    # Decoded forms, computed once: the key and the translation both need them.
    _decoded: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def source(self) -> str:
        """Returns where the message came from: topic/partition/offset."""
        return f"{self.topic}/{self.partition}/{self.offset}"

    def json_object(self) -> dict[str, Any]:
        """Returns the body as a JSON object; raises PoisonMessage for anything else, whatever it holds."""
        if "json" not in self._decoded:
            self._decoded["json"] = _json_object(self.value)
        result = self._decoded["json"]
        if isinstance(result, PoisonMessage):
            raise result
        document: dict[str, Any] = result
        return document

    def envelope(self) -> EventEnvelope:
        """Returns the body as an event envelope; raises PoisonMessage when it is not one."""
        if "envelope" not in self._decoded and "json" not in self._decoded and self.value:
            # The usual case in one pass (pydantic parses the bytes itself, about twice as fast as
            # json.loads and a validation of the dict); anything it refuses takes the path below,
            # which says precisely what is wrong.
            with contextlib.suppress(ValueError):
                self._decoded["envelope"] = EventEnvelope.model_validate_json(self.value)
        if "envelope" not in self._decoded:
            try:
                self._decoded["envelope"] = EventEnvelope.model_validate(self.json_object())
            except ValidationError as error:
                self._decoded["envelope"] = PoisonMessage(f"not an event envelope: {describe(error)}")
            except PoisonMessage as poison:
                self._decoded["envelope"] = poison
        result = self._decoded["envelope"]
        if isinstance(result, PoisonMessage):
            raise result
        envelope: EventEnvelope = result
        return envelope


def _json_object(value: bytes | None) -> dict[str, Any] | PoisonMessage:
    if not value:
        return PoisonMessage("empty message body")
    try:
        document = json.loads(value.decode("utf-8"))
    except UnicodeDecodeError as error:
        return PoisonMessage(f"body is not UTF-8 at byte {error.start}")
    except json.JSONDecodeError as error:
        return PoisonMessage(f"body is not JSON: {error.msg} at {error.pos}")
    except RecursionError:
        return PoisonMessage("body is JSON nested too deeply")
    except ValueError as error:  # e.g. an integer literal over Python's 4300-digit limit
        return PoisonMessage(f"body is not usable JSON: {type(error).__name__}")
    if not isinstance(document, dict):
        return PoisonMessage(f"body is JSON {type(document).__name__}, not an object")
    return document


def decode_headers(raw: Any) -> dict[str, str]:
    """Returns Kafka headers as text; bytes that are not UTF-8 are replaced, never fatal."""
    headers: dict[str, str] = {}
    for name, value in raw or ():
        key = name.decode("utf-8", errors="replace") if isinstance(name, bytes) else str(name)
        headers[key] = (value or b"").decode("utf-8", errors="replace")
    return headers


class MessageTranslator(Protocol):
    """Turns one consumed message into commands; the processor runs them with exactly-once effect.

    event_types: the event types it acts on (None: every message of its topic); others are skipped
    by their type header without touching the database. A translator may also define
    message_digest(message) -> str: the digest of what the message asks for, recorded with its key;
    a later message with the same key and another digest is dead-lettered (KEY_REUSED).
    """

    @property
    def event_types(self) -> frozenset[str] | None: ...

    def message_key(self, message: InboundMessage) -> str:
        """Returns the key that identifies the message's effect (an event id, a submission id)."""
        ...

    def streams(self, message: InboundMessage) -> Sequence[str]:
        """Returns the streams the message's commands will fold, to load a batch's in one query."""
        ...

    async def translate(self, message: InboundMessage, commands: CommandRunner) -> None:
        """Executes the message's commands (raising leaves the message's effects undone)."""
        ...


class UpstreamEventTranslator:
    """Base of translators of another service's events: the event id is the message's identity.

    A case's stream in every service is named by its application number, the events' correlation id,
    so the batch's streams are loaded in one query before the messages are translated. Subclasses
    set event_types and define translate().
    """

    event_types: frozenset[str] | None = None

    def message_key(self, message: InboundMessage) -> str:
        """Returns the upstream event id (a re-published event keeps it)."""
        return f"event:{message.envelope().event_id}"

    def streams(self, message: InboundMessage) -> Sequence[str]:
        """Returns the case stream named by the correlation id header, if it has one."""
        correlation = message.headers.get("correlation_id")
        return [correlation] if correlation else []
