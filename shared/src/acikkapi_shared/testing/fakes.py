"""Hand-written fakes for tests: a record publisher that keeps what the relay sends, and a held write's
wait for its moment that tells when it begins."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from acikkapi_shared.clock import Clock, sleep_until
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


def noting_held_waits(module: Any, monkeypatch: Any) -> asyncio.Event:
    """Replaces module's sleep_until (a held write's wait for its moment) with one that sets the
    returned event first: a test then knows the write is written and waits, holding its commit."""
    holding = asyncio.Event()

    async def noted(clock: Clock, moment: datetime, *, poll: float = 0.005) -> None:
        holding.set()
        await sleep_until(clock, moment, poll=poll)

    monkeypatch.setattr(module, "sleep_until", noted)
    return holding
