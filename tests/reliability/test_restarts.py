"""A service killed (SIGKILL) inside each crash window resumes after restart without loss or duplicate.

Each case starts one service with a crash point armed (acikkapi_shared.faults), so the kill is proven
to land inside the window: after the database commit and before the offset commit, after the effects
and before the commit, after the broker's acknowledgement and before the relay's position, after the
SMS provider accepted and before the outcome. Judged from independent evidence: intake's topic on the
broker (one registration and one number per submission) and the SMS gateway's own counters.
"""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from aiokafka import AIOKafkaProducer

from tests.conftest import RunningSystem, publish, read_topic, submission

pytestmark = pytest.mark.kafka

APPLICATIONS = 30
CASES = [
    ("intake", "consumer.after_commit_before_offsets"),
    ("intake", "processor.before_commit"),
    ("intake", "relay.after_publish_before_position"),
    ("router", "consumer.after_commit_before_offsets"),
    ("sla-monitor", "relay.after_publish_before_position"),
    ("notifier", "consumer.after_commit_before_offsets"),
    ("notifier", "notifier.after_provider_before_outcome"),
]


async def registrations(system: RunningSystem, submission_ids: set[str]) -> dict[str, set[tuple[str, str]]]:
    """Returns the (event id, application number) registrations of each of these submissions, read from
    the topic; a record the relay published again after a crash keeps its event id."""
    found: dict[str, set[tuple[str, str]]] = {}
    for record in await read_topic(system.bootstrap, f"{system.prefix}.intake.events.v1"):
        envelope = json.loads(record.value)
        if envelope.get("type") != "ApplicationRegistered":
            continue  # other events, and the poison another test wrote to this topic
        payload = envelope["payload"]
        if payload["submission_id"] in submission_ids:
            registration = (envelope["event_id"], payload["application_number"])
            found.setdefault(payload["submission_id"], set()).add(registration)
    return found


@pytest.mark.parametrize(("crashing", "point"), CASES, ids=[f"{s}-{p}" for s, p in CASES])
async def test_a_service_killed_inside_a_crash_window_resumes_without_loss_or_duplicate(
    running_system: RunningSystem, portal: AIOKafkaProducer, crashing: str, point: str
) -> None:
    stack = running_system.stack
    await running_system.wait_quiet()
    before = running_system.sms_stats()
    # Armed for its second pass, so the service has work in flight around the kill.
    await asyncio.to_thread(stack.restart, crashing, environment={"ACIKKAPI_CRASH_AT": f"{point}:2"})
    documents = [submission() for _ in range(APPLICATIONS)]
    # In two waves well apart (each service gathers a fetch for up to 100 ms), so the armed pass
    # comes even when a service would take a whole wave in one batch or one SMS job.
    half = APPLICATIONS // 2
    for index, document in enumerate(documents):
        if index == half:
            await asyncio.sleep(2)
        await publish(portal, running_system.portal_topic, document)
    assert await asyncio.to_thread(stack.wait_exited, crashing), f"{crashing} never reached {point}"
    started = time.monotonic()
    await asyncio.to_thread(stack.restart, crashing)
    # Ready (partitions assigned again) within seconds: static membership, no session timeout wait.
    ready_after = time.monotonic() - started
    print(f"{crashing} ready {ready_after:.1f} s after a restart following SIGKILL")
    assert ready_after < 15

    deadline = time.monotonic() + 90
    missing = documents
    while missing and time.monotonic() < deadline:
        missing = [d for d in missing if not running_system.sms_to(d["applicant"]["phone"])]
        await asyncio.sleep(0.3)
    assert not missing, f"{len(missing)} applicants never got their SMS after {crashing} crashed at {point}"
    await running_system.wait_quiet()

    for document in documents:
        messages = running_system.sms_to(document["applicant"]["phone"])
        assert len(messages) == 1, f"{document['applicant']['phone']} got {len(messages)} SMS"
    numbers = await registrations(running_system, {d["submission_id"] for d in documents})
    assert len(numbers) == APPLICATIONS and all(len(found) == 1 for found in numbers.values()), numbers
    assert len({number for found in numbers.values() for _, number in found}) == APPLICATIONS
    after = running_system.sms_stats()
    stored = after["accepted"] - before["accepted"]
    handed_over = after["deliveries_without_idempotency"] - before["deliveries_without_idempotency"]
    assert stored == APPLICATIONS
    if point == "notifier.after_provider_before_outcome":
        # The provider accepted a job whose outcome died with the process: the job was sent again
        # under the same idempotency key, so the gateway kept one copy (a real Netgsm, which has no
        # such key, would have delivered it twice: the window the README names).
        assert after["duplicates"] > before["duplicates"] and handed_over > APPLICATIONS
    else:
        assert handed_over == APPLICATIONS  # nothing reached the provider twice
