"""The batch processor's guarantees, on real SQLite and PostgreSQL databases (no broker needed)."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from prometheus_client import REGISTRY
from sqlalchemy.ext.asyncio import AsyncEngine

from acikkapi_shared.clock import ManualClock
from acikkapi_shared.commands import CommandContext, CommandRunner
from acikkapi_shared.decider import CommandRejected, Decider
from acikkapi_shared.events.base import EventPayload, EventTypes
from acikkapi_shared.eventstore.database import create_engine, migrate
from acikkapi_shared.eventstore.errors import ConcurrencyConflict
from acikkapi_shared.eventstore.store import SqlAlchemyEventStore
from acikkapi_shared.eventstore.unit_of_work import NoProjections
from acikkapi_shared.gateway import CommandGateway
from acikkapi_shared.messaging.dead_letters import MessageDeadLettered
from acikkapi_shared.messaging.inbound import InboundMessage, PoisonMessage
from acikkapi_shared.messaging.processor import BatchProcessor
from acikkapi_shared.messaging.retry import Backoff
from acikkapi_shared.testing.faults import database_error

NOW = datetime(2026, 5, 22, 11, 0, tzinfo=UTC)
DEAD = MessageDeadLettered.TYPE


class Seen(EventPayload):
    body: str


@dataclass(frozen=True)
class See:
    body: str


def _decide(command: See, seen: bool) -> Sequence[EventPayload]:
    if command.body == "rejected":
        raise CommandRejected("NOT_ALLOWED", "Bu işlem yapılamaz.")
    return [] if seen else [Seen(body=command.body)]


seen_once: Decider[bool, See] = Decider(
    name="seen",
    initial=lambda _stream: False,
    evolve=lambda _state, _event: True,
    decide=_decide,
    events=EventTypes([Seen]),
)


class RecordingTranslator:
    """Executes See per message, keyed by its JSON body's "id"; fails as told."""

    event_types: frozenset[str] | None = None

    def __init__(self) -> None:
        self.transient_failures = 0
        self.database_failures: list[BaseException] = []
        self.crash_on: str | None = None

    def message_key(self, message: InboundMessage) -> str:
        return str(message.json_object()["id"])

    def streams(self, message: InboundMessage) -> Sequence[str]:
        return [f"stream-{message.json_object()['id']}"]

    async def translate(self, message: InboundMessage, commands: CommandRunner) -> None:
        body = str(message.json_object()["id"])
        if body == "poison":
            raise PoisonMessage("cannot be applied")
        if body == self.crash_on:
            raise RuntimeError("a bug in the translator, quoting 10000000146")
        if self.transient_failures:
            self.transient_failures -= 1
            raise ConcurrencyConflict("s", 0, 1)
        if self.database_failures:
            raise self.database_failures.pop(0)
        await commands.execute(seen_once, f"stream-{body}", See(body))


def message(body: str | bytes, offset: int, **headers: str) -> InboundMessage:
    value = body if isinstance(body, bytes) else json.dumps({"id": body}).encode()
    return InboundMessage(topic="in", partition=0, offset=offset, key=None, value=value, headers=headers)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'p.db'}"
    else:
        url = request.getfixturevalue("postgres_database_url")
    engine = create_engine(url)
    await migrate(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
def translator() -> RecordingTranslator:
    return RecordingTranslator()


@pytest.fixture
def dead_letters() -> list[tuple[str, str]]:
    return []


@pytest.fixture
def processor(
    engine: AsyncEngine, translator: RecordingTranslator, dead_letters: list[tuple[str, str]]
) -> BatchProcessor:
    async def sink(msg: InboundMessage, reason: str) -> None:
        dead_letters.append((msg.source, reason))

    return processor_on(engine, translator, dead_letter_sink=sink)


def processor_on(engine: AsyncEngine, translator: RecordingTranslator, **options: Any) -> BatchProcessor:
    """Returns a processor of the "in" topic on engine, quick to retry, with these options."""
    clock = ManualClock(NOW)
    return BatchProcessor(
        consumer="test",
        engine=engine,
        store=SqlAlchemyEventStore("test", clock),
        projector=NoProjections(),
        clock=clock,
        translators={"in": translator},
        backoff=Backoff(first=0.001, most=0.01),
        **options,
    )


async def seen(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as connection:
        rows = await connection.execute(sa.text("SELECT type, stream_id FROM events ORDER BY position"))
        return [f"{row.type}:{row.stream_id}" for row in rows]


async def payloads(engine: AsyncEngine, kind: str) -> list[str]:
    async with engine.connect() as connection:
        rows = await connection.execute(sa.text("SELECT payload FROM events WHERE type = :t"), {"t": kind})
        return [json.dumps(row.payload) if not isinstance(row.payload, str) else row.payload for row in rows]


async def test_a_redelivered_batch_has_no_second_effect(
    processor: BatchProcessor, engine: AsyncEngine
) -> None:
    batch = [message("a", 0), message("b", 1)]
    await processor.process(batch)
    await processor.process(batch)
    await processor.process([message("a", 7)])  # the same message re-published at another offset
    assert await seen(engine) == ["Seen:stream-a", "Seen:stream-b"]


async def test_a_duplicate_inside_one_batch_is_applied_once(
    processor: BatchProcessor, engine: AsyncEngine
) -> None:
    await processor.process([message("a", 0), message("a", 1)])
    assert await seen(engine) == ["Seen:stream-a"]


class DigestingTranslator(RecordingTranslator):
    """Also digests what a message asks for: its "ask" field (its "id" is its identity)."""

    def message_digest(self, message: InboundMessage) -> str:
        return hashlib.sha256(str(message.json_object().get("ask")).encode()).hexdigest()


def asking(identity: str, ask: str, offset: int) -> InboundMessage:
    value = json.dumps({"id": identity, "ask": ask}).encode()
    return InboundMessage(topic="in", partition=0, offset=offset, key=None, value=value, headers={})


async def test_the_same_identity_asking_for_something_else_is_set_aside_not_dropped(
    engine: AsyncEngine, dead_letters: list[tuple[str, str]]
) -> None:
    async def sink(msg: InboundMessage, reason: str) -> None:
        dead_letters.append((msg.source, reason))

    processor = processor_on(engine, DigestingTranslator(), dead_letter_sink=sink)
    before = consumed("dead_lettered"), consumed("duplicate")
    await processor.process([asking("a", "water", 0), asking("a", "water", 1), asking("a", "roads", 2)])
    await processor.process([asking("a", "water", 3), asking("a", "roads", 4)])  # and in a later batch
    assert await seen(engine) == [
        "Seen:stream-a",
        f"{DEAD}:dead-letter:test:in/0/2",
        f"{DEAD}:dead-letter:test:in/0/4",
    ]
    assert [source for source, _ in dead_letters] == ["in/0/2", "in/0/4"]
    assert all(reason.startswith("KEY_REUSED: a was processed before") for _, reason in dead_letters)
    assert (consumed("dead_lettered") - before[0], consumed("duplicate") - before[1]) == (2, 2)


async def test_a_key_recorded_without_a_digest_stays_a_plain_duplicate(engine: AsyncEngine) -> None:
    # Messages processed before digests were recorded (or by a translator without one) cannot conflict.
    await processor_on(engine, RecordingTranslator()).process([asking("a", "water", 0)])
    await processor_on(engine, DigestingTranslator()).process([asking("a", "roads", 1)])
    assert await seen(engine) == ["Seen:stream-a"]


def consumed(outcome: str) -> float:
    """Returns the consumed-messages counter of the test consumer's topic for an outcome."""
    labels = {"service": "test", "topic": "in", "outcome": outcome}
    return REGISTRY.get_sample_value("acikkapi_messages_consumed_total", labels) or 0.0


async def test_every_message_is_counted_once_by_its_outcome(
    processor: BatchProcessor, translator: RecordingTranslator, engine: AsyncEngine
) -> None:
    translator.event_types = frozenset({"Wanted"})
    before = {outcome: consumed(outcome) for outcome in ("applied", "duplicate", "ignored", "dead_lettered")}
    batch = [
        message("a", 0, event_type="Wanted"),
        message("b", 1, event_type="Other"),
        message("a", 2, event_type="Wanted"),
        message("c", 3, event_type="Wanted"),
        message("d", 4, event_type="Other"),
        message("poison", 5),
    ]
    await processor.process(batch)
    counted = {outcome: consumed(outcome) - value for outcome, value in before.items()}
    assert counted == {"applied": 2, "duplicate": 1, "ignored": 2, "dead_lettered": 1}
    assert await seen(engine) == ["Seen:stream-a", "Seen:stream-c", f"{DEAD}:dead-letter:test:in/0/5"]


async def test_poison_is_recorded_and_dead_lettered_and_the_rest_applied(
    processor: BatchProcessor, engine: AsyncEngine, dead_letters: list[tuple[str, str]]
) -> None:
    await processor.process([message("a", 0), message("poison", 1), message("b", 2)])
    assert await seen(engine) == ["Seen:stream-a", f"{DEAD}:dead-letter:test:in/0/1", "Seen:stream-b"]
    assert dead_letters == [("in/0/1", "cannot be applied")]


async def test_a_rejected_command_is_dead_lettered_with_its_code(
    processor: BatchProcessor, engine: AsyncEngine, dead_letters: list[tuple[str, str]]
) -> None:
    await processor.process([message("rejected", 0), message("b", 1)])
    assert await seen(engine) == [f"{DEAD}:dead-letter:test:in/0/0", "Seen:stream-b"]
    assert dead_letters == [("in/0/0", "rejected: NOT_ALLOWED")]


async def test_conflicts_are_retried_until_the_batch_applies(
    processor: BatchProcessor, translator: RecordingTranslator, engine: AsyncEngine
) -> None:
    translator.transient_failures = 2
    await processor.process([message("a", 0)])
    assert await seen(engine) == ["Seen:stream-a"]


async def test_a_translator_bug_sets_aside_only_the_culprit_without_quoting_it(
    processor: BatchProcessor,
    translator: RecordingTranslator,
    engine: AsyncEngine,
    dead_letters: list[tuple[str, str]],
) -> None:
    translator.crash_on = "bad"
    await processor.process([message("a", 0), message("bad", 1), message("b", 2)])
    assert await seen(engine) == ["Seen:stream-a", f"{DEAD}:dead-letter:test:in/0/1", "Seen:stream-b"]
    source, reason = dead_letters[0]
    assert source == "in/0/1" and reason.startswith("RuntimeError at test_batch_processor.py:")
    assert "10000000146" not in reason


async def test_a_conflict_that_never_clears_is_set_aside_not_retried_forever(
    processor: BatchProcessor,
    translator: RecordingTranslator,
    engine: AsyncEngine,
    dead_letters: list[tuple[str, str]],
) -> None:
    translator.transient_failures = 10_000  # every attempt conflicts
    await processor.process([message("a", 0)])
    assert dead_letters and dead_letters[0][0] == "in/0/0"
    assert await seen(engine) == [f"{DEAD}:dead-letter:test:in/0/0"]


@pytest.mark.parametrize(
    "sqlstate",
    ["57P01", "57P03", "08006", "53300", "40P01", "57014", "25006"],
    ids=[
        "admin-shutdown",
        "starting-up",
        "connection-failure",
        "too-many",
        "deadlock",
        "canceled",
        "read-only",
    ],
)
async def test_database_outages_are_retried_never_dead_lettered(
    processor: BatchProcessor,
    translator: RecordingTranslator,
    engine: AsyncEngine,
    dead_letters: list[tuple[str, str]],
    sqlstate: str,
) -> None:
    translator.database_failures = [database_error(sqlstate) for _ in range(5)]
    await processor.process([message("a", 0), message("b", 1)])
    assert await seen(engine) == ["Seen:stream-a", "Seen:stream-b"]
    assert dead_letters == []


HOSTILE = {
    "deep-nesting": b'{"id": "x", "n": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    "huge-integer": b'{"id": "x", "n": ' + b"1" * 5000 + b"}",
    "not-utf8": b"\xff\xfe{",
    "nul-and-surrogate": b'{"id": "poison", "t": "\\u0000\\ud800"}',
    "empty": b"",
    "array": b"[1, 2]",
}


@pytest.mark.parametrize("body", list(HOSTILE.values()), ids=list(HOSTILE))
async def test_no_record_loses_the_records_around_it(
    processor: BatchProcessor, engine: AsyncEngine, dead_letters: list[tuple[str, str]], body: bytes
) -> None:
    long_header = "x" * 5000
    hostile = message(body, 1, correlation_id=long_header, event_id="\x00" * 300)
    await processor.process([message("a", 0), hostile, message("b", 2), message("c", 3)])
    assert await seen(engine) == [
        "Seen:stream-a",
        f"{DEAD}:dead-letter:test:in/0/1",
        "Seen:stream-b",
        "Seen:stream-c",
    ]
    assert [source for source, _ in dead_letters] == ["in/0/1"]


async def test_a_value_the_database_refuses_at_flush_sets_aside_only_its_message(
    engine: AsyncEngine, dead_letters: list[tuple[str, str]]
) -> None:
    class Overlong(RecordingTranslator):
        async def translate(self, message: InboundMessage, commands: CommandRunner) -> None:
            body = str(message.json_object()["id"])
            # A stream id longer than the column: PostgreSQL refuses it when the batch is flushed.
            stream = "s" * 500 if body == "long" else f"stream-{body}"
            await commands.execute(seen_once, stream, See(body))

    async def sink(msg: InboundMessage, reason: str) -> None:
        dead_letters.append((msg.source, reason))

    clock = ManualClock(NOW)
    processor = BatchProcessor(
        consumer="test",
        engine=engine,
        store=SqlAlchemyEventStore("test", clock),
        projector=NoProjections(),
        clock=clock,
        translators={"in": Overlong()},
        dead_letter_sink=sink,
        backoff=Backoff(first=0.001, most=0.01),
    )
    await processor.process([message("a", 0), message("long", 1), message("b", 2)])
    applied = [row for row in await seen(engine) if not row.startswith(DEAD)]
    assert "Seen:stream-a" in applied and "Seen:stream-b" in applied
    if engine.dialect.name == "postgresql":
        assert [source for source, _ in dead_letters] == ["in/0/1"]


async def test_reasons_never_carry_the_personal_data_of_the_message(
    processor: BatchProcessor, engine: AsyncEngine, dead_letters: list[tuple[str, str]]
) -> None:
    class Envelopes(RecordingTranslator):
        def message_key(self, message: InboundMessage) -> str:
            return f"event:{message.envelope().event_id}"

        async def translate(self, message: InboundMessage, commands: CommandRunner) -> None:
            message.envelope()

    processor._translators["in"] = Envelopes()
    forged = {
        "payload": {"applicant": {"name": "Zeynep Marker", "phone": "+905329998877", "tckn": "10000000146"}}
    }
    await processor.process([message(json.dumps(forged).encode(), 0)])
    (reason,) = [reason for _, reason in dead_letters]
    stored = await payloads(engine, DEAD)
    for secret in ("Zeynep Marker", "+905329998877", "10000000146"):
        assert secret not in reason
        assert all(secret not in p for p in stored)  # the log keeps no copy of the body
    assert "not an event envelope" in reason and "event_id: missing" in reason
    body = json.dumps(forged).encode()
    assert json.loads(stored[0])["body_sha256"] == hashlib.sha256(body).hexdigest()
    assert json.loads(stored[0])["body_bytes"] == len(body)


def test_a_version_1_dead_letter_is_read_without_its_copy_of_the_body() -> None:
    stored = {"consumer": "c", "source": "in/0/1", "reason": "r", "key": "", "body": '{"phone": 1}'}
    read = MessageDeadLettered.from_payload(stored, 1)
    assert read.body_sha256 is None and read.body_bytes is None
    assert "body" not in read.to_payload()


def yielding_processor(
    engine: AsyncEngine, translator: RecordingTranslator, commits: list[int], yield_to: Callable[[], bool]
) -> BatchProcessor:
    return processor_on(
        engine,
        translator,
        after_commit=lambda events: commits.append(len(events)),
        yield_to=yield_to,
        yield_after_s=0.0,
    )


async def test_a_batch_hands_the_writer_over_between_messages_and_loses_nothing(
    engine: AsyncEngine, translator: RecordingTranslator
) -> None:
    commits: list[int] = []
    processor = yielding_processor(engine, translator, commits, lambda: True)
    batch = [message("a", 0), message("poison", 1), message("a", 2), message("b", 3), message("c", 4)]
    await processor.process(batch)
    assert await seen(engine) == [
        "Seen:stream-a",
        f"{DEAD}:dead-letter:test:in/0/1",
        "Seen:stream-b",
        "Seen:stream-c",
    ]
    assert commits == [1, 1, 0, 1, 1]  # a transaction each; the repeated "a" found done, not applied
    await processor.process(batch)  # redelivered after the first transactions committed
    assert len(await seen(engine)) == 4


async def test_a_batch_is_one_transaction_while_nobody_waits_to_write(
    engine: AsyncEngine, translator: RecordingTranslator
) -> None:
    commits: list[int] = []
    processor = yielding_processor(engine, translator, commits, lambda: False)
    await processor.process([message(name, offset) for offset, name in enumerate("abcde")])
    assert commits == [5]


async def test_a_request_waiting_for_sqlites_writer_gets_it_before_the_rest_of_the_batch(
    tmp_path: Path, translator: RecordingTranslator
) -> None:
    # SQLite: one writer connection per process; the runtime wires yield_to to its gateway's requests.
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'w.db'}")
    await migrate(engine)
    clock = ManualClock(NOW)
    gateway = CommandGateway(
        engine=engine, store=SqlAlchemyEventStore("test", clock), projector=NoProjections(), clock=clock
    )
    commits: list[int] = []
    processor = yielding_processor(engine, translator, commits, lambda: gateway.requests_writing > 0)
    requests: list[asyncio.Task[object]] = []

    real_translate = translator.translate

    async def translate_and_send_a_request(message: InboundMessage, commands: CommandRunner) -> None:
        await real_translate(message, commands)
        if not requests:  # the request comes while the batch's transaction is open
            context = CommandContext(occurred_at=NOW, actor="staff:test", idempotency_key="request-1")
            request = gateway.handle(seen_once, "stream-request", See("request"), context)
            requests.append(asyncio.create_task(request))
            await asyncio.sleep(0.01)  # the request is now waiting for the writer connection

    translator.translate = translate_and_send_a_request  # type: ignore[method-assign]
    try:
        await processor.process([message(name, offset) for offset, name in enumerate("abc")])
        await asyncio.gather(*requests)
        assert await seen(engine) == [
            "Seen:stream-a",
            "Seen:stream-request",
            "Seen:stream-b",
            "Seen:stream-c",
        ]
        assert commits == [1, 2] and gateway.requests_writing == 0
    finally:
        await engine.dispose()
