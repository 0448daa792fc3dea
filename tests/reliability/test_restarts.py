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


async def registrations(system: RunningSystem, submission_ids: set[str]) -> dict[str, list[str]]:
    """Returns the application numbers registered for each of these submissions, read from the topic."""
    found: dict[str, list[str]] = {}
    for record in await read_topic(system.bootstrap, f"{system.prefix}.intake.events.v1"):
        envelope = json.loads(record.value)
        payload = envelope["payload"]
        if envelope["type"] == "ApplicationRegistered" and payload["submission_id"] in submission_ids:
            found.setdefault(payload["submission_id"], []).append(payload["application_number"])
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
    for document in documents:
        await publish(portal, running_system.portal_topic, document)
    assert await asyncio.to_thread(stack.wait_exited, crashing), f"{crashing} never reached {point}"
    await asyncio.to_thread(stack.restart, crashing)

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
    assert all(len(found) == 1 for found in numbers.values()) and len(numbers) == APPLICATIONS
    assert len({found[0] for found in numbers.values()}) == APPLICATIONS  # every one its own number
    after = running_system.sms_stats()
    resent = after["duplicates"] - before["duplicates"]
    if point == "notifier.after_provider_before_outcome":
        # The provider accepted a job whose outcome died with the process: it was sent again under
        # the same idempotency key (a real Netgsm, which has none, would deliver it twice).
        assert resent >= 1
    else:
        assert resent == 0  # nothing reached the provider twice
