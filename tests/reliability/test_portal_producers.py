"""The portal topic takes what a standard Kafka producer writes with its ordinary settings: Kafka's own
Java client with every compression codec, idempotent and transactional, with and without keys and
headers, and hostile records among valid ones. Judged from intake's topic and the SMS gateway's raw
counters, not from intake's tables."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

import pytest

from acikkapi_shared.testing.kafka_clients import JavaRecordWriter, Record, open_command, send_command
from tests.conftest import RunningSystem, read_topic, submission

pytestmark = pytest.mark.kafka

CODECS = ("none", "gzip", "snappy", "lz4", "zstd")


def record(
    system: RunningSystem, body: bytes, *, key: bytes | None, partition: int, **headers: bytes
) -> Record:
    return Record(system.portal_topic, partition, key, body, tuple(headers.items()))


async def intake_outcomes(system: RunningSystem) -> dict[str, list[str]]:
    """Returns the event types intake published for each submission id, from its topic (by event id)."""
    seen: dict[str, dict[str, str]] = {}
    for found in await read_topic(system.bootstrap, f"{system.prefix}.intake.events.v1"):
        try:
            envelope: dict[str, Any] = json.loads(found.value)
            submission_id = envelope["payload"]["submission_id"]
        except (ValueError, KeyError, TypeError):
            continue
        if envelope["type"] in ("ApplicationRegistered", "SubmissionRejected") and submission_id:
            seen.setdefault(submission_id, {})[envelope["event_id"]] = envelope["type"]
    return {sid: sorted(types.values()) for sid, types in seen.items()}


async def test_every_codec_transactions_and_hostile_records_from_the_java_client(
    running_system: RunningSystem, java_writer: JavaRecordWriter
) -> None:
    await running_system.wait_quiet()
    before = running_system.sms_stats()
    by_codec = {codec: submission() for codec in CODECS}
    bare = {codec: submission() for codec in CODECS}
    aborted = [submission() for _ in range(2)]
    committed = [submission() for _ in range(2)]
    hostile_id = str(uuid.uuid4())
    deep = b'{"submission_id": "' + hostile_id.encode() + b'", "x": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    hostile = [deep, b'{"n": ' + b"7" * 5000 + b"}", b"\xff\xfe\x00 garbage", b'{"text": "\\u0000\\ud800"}']
    commands: list[str] = []
    for index, codec in enumerate(CODECS):
        commands.append(open_command(running_system.bootstrap, codec))
        keyed = json.dumps(by_codec[codec]).encode()
        commands.append(
            send_command(
                record(
                    running_system,
                    keyed,
                    key=by_codec[codec]["submission_id"].encode(),
                    partition=index % 4,
                    **{"content-type": b"application/json", "kaynak": "Kars Valiliği portalı".encode()},
                )
            )
        )
        commands.append(
            send_command(record(running_system, hostile[index % len(hostile)], key=None, partition=index % 4))
        )
        commands.append(
            send_command(
                record(running_system, json.dumps(bare[codec]).encode(), key=None, partition=(index + 1) % 4)
            )
        )
    commands += [open_command(running_system.bootstrap, "zstd", f"portal-{uuid.uuid4().hex[:8]}"), "begin"]
    commands += [
        send_command(record(running_system, json.dumps(d).encode(), key=None, partition=0)) for d in aborted
    ]
    commands += ["abort", "begin"]
    commands += [
        send_command(record(running_system, json.dumps(d).encode(), key=None, partition=1)) for d in committed
    ]
    commands += ["commit"]
    await asyncio.to_thread(java_writer.run, commands)

    valid = [*by_codec.values(), *bare.values(), *committed]
    deadline = time.monotonic() + 60
    while any(not running_system.sms_to(d["applicant"]["phone"]) for d in valid):
        assert time.monotonic() < deadline, "not every valid submission reached its SMS"
        await asyncio.sleep(0.3)
    await running_system.wait_quiet()

    outcomes = await intake_outcomes(running_system)
    for document in valid:
        assert outcomes.get(document["submission_id"]) == ["ApplicationRegistered"], document["submission_id"]
    for document in aborted:  # records of an aborted transaction never count
        assert document["submission_id"] not in outcomes
        assert running_system.sms_to(document["applicant"]["phone"]) == []
    assert outcomes.get(hostile_id) == ["SubmissionRejected"]  # its id was readable: the citizen is told
    after = running_system.sms_stats()
    assert after["deliveries_without_idempotency"] - before["deliveries_without_idempotency"] == len(valid)
    for service in ("intake", "router", "sla-monitor", "notifier"):
        ready = running_system.metric(service, "acikkapi_consumer_partition_unreadable")
        assert ready == 0, f"{service} has an unreadable partition"
