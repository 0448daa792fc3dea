"""Hand-written fakes for tests: a record publisher that keeps what the relay sends."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass

from acikkapi_shared.events.envelope import EventEnvelope


@dataclass(frozen=True)
class SentRecord:
    topic: str
    key: bytes
    value: bytes
    headers: dict[str, str]


class RecordingPublisher:
    """A RecordPublisher that keeps every record; fail_next makes the next sends raise."""

    def __init__(self) -> None:
        self.sent: list[SentRecord] = []
        self.fail_next = 0

    async def send(self, topic: str, key: bytes, value: bytes, headers: dict[str, str]) -> Awaitable[object]:
        """Keeps the record and returns an acknowledgement that is already done."""
        if self.fail_next:
            self.fail_next -= 1
            raise ConnectionError("broker unreachable")
        self.sent.append(SentRecord(topic, key, value, headers))
        done: asyncio.Future[object] = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done

    def envelopes(self) -> list[EventEnvelope]:
        """Returns what was sent, decoded."""
        return [EventEnvelope.from_json_bytes(record.value) for record in self.sent]
