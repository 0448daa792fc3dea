"""A service that crashes mid-flow (SIGKILL) continues after restart without loss or duplicate SMS."""

from __future__ import annotations

import asyncio
import time

import pytest
from aiokafka import AIOKafkaProducer

from tests.conftest import RunningSystem, publish, submission

pytestmark = pytest.mark.kafka

APPLICATIONS = 40


@pytest.mark.parametrize("crashing", ["intake", "router", "sla-monitor", "notifier"])
async def test_a_crashed_service_resumes_without_loss_or_duplicate_sms(
    running_system: RunningSystem, portal: AIOKafkaProducer, crashing: str
) -> None:
    documents = [submission() for _ in range(APPLICATIONS)]
    for document in documents[: APPLICATIONS // 2]:
        await publish(portal, running_system.portal_topic, document)
    # Crash while the first half is in flight, then send the second half while it is down.
    await asyncio.sleep(0.3)
    restart = asyncio.create_task(asyncio.to_thread(running_system.stack.restart, crashing, hard=True))
    for document in documents[APPLICATIONS // 2 :]:
        await publish(portal, running_system.portal_topic, document)
    await restart

    deadline = time.monotonic() + 90
    missing = documents
    while missing and time.monotonic() < deadline:
        missing = [d for d in missing if not running_system.sms_to(d["applicant"]["phone"])]
        time.sleep(0.3)
    assert not missing, f"{len(missing)} applicants never got their SMS after {crashing} crashed"
    time.sleep(1.0)
    numbers = set()
    for document in documents:
        messages = running_system.sms_to(document["applicant"]["phone"])
        assert len(messages) == 1, f"{document['applicant']['phone']} got {len(messages)} SMS"
        numbers.add(running_system.submission(document["submission_id"])["application_number"])
    assert len(numbers) == APPLICATIONS  # every application got its own number
