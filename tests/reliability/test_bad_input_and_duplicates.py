"""Bad input never stops a consumer, and the same message delivered twice has one effect."""

from __future__ import annotations

import time

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from tests.conftest import RunningSystem, publish, submission

pytestmark = pytest.mark.kafka


def consumed(system: RunningSystem, service: str, outcome: str) -> float:
    """Returns a service's acikkapi_messages_consumed_total for an outcome, over all topics."""
    text = httpx.get(f"{system.url(service)}/metrics", timeout=5).text
    total = 0.0
    for line in text.splitlines():
        if line.startswith("acikkapi_messages_consumed_total{") and f'outcome="{outcome}"' in line:
            total += float(line.rsplit(" ", 1)[1])
    return total


async def test_bad_portal_messages_are_rejected_with_reasons_and_the_next_one_is_processed(
    running_system: RunningSystem, portal: AIOKafkaProducer
) -> None:
    topic = running_system.portal_topic
    missing = submission()
    del missing["text"]
    del missing["applicant"]["phone"]
    wrong = submission(topic="UZAY_YOLCULUGU", submitted_at="dün akşam")
    await publish(portal, topic, b"\xff\xfe not json at all", key="garbage")
    await publish(portal, topic, b"[1, 2, 3]", key="array")
    await publish(portal, topic, missing)
    await publish(portal, topic, wrong)
    valid = submission()
    await publish(portal, topic, valid)

    assert running_system.submission(valid["submission_id"])["status"] == "REGISTERED"
    running_system.wait_for_sms(valid["applicant"]["phone"])

    rejected_missing = running_system.submission(missing["submission_id"])
    assert rejected_missing["status"] == "REJECTED"
    codes = {(p["field"], p["code"]) for p in rejected_missing["problems"]}
    assert ("text", "FIELD_MISSING") in codes and ("applicant.phone", "FIELD_MISSING") in codes
    assert all(p["message_tr"] for p in rejected_missing["problems"])

    rejected_wrong = running_system.submission(wrong["submission_id"])
    assert {p["code"] for p in rejected_wrong["problems"]} >= {"TOPIC_UNKNOWN"}
    # The valid one's applicant got the registered SMS; the rejected one with a valid mobile number
    # was told why (the one without a number could not be).
    (told,) = running_system.wait_for_sms(wrong["applicant"]["phone"])
    assert "kayda alınamamıştır" in told["msg"] and "Gerekçe:" in told["msg"]
    assert len(running_system.sms_to(valid["applicant"]["phone"])) == 1


async def test_a_poison_event_goes_to_the_dead_letter_topic_with_its_reason(
    running_system: RunningSystem, portal: AIOKafkaProducer
) -> None:
    intake_topic = f"{running_system.prefix}.intake.events.v1"
    dead_letters = f"{running_system.prefix}.router.dead-letters.v1"
    await portal.send_and_wait(intake_topic, b'{"not": "an envelope"}', key=b"poison")
    valid = submission()
    await publish(portal, running_system.portal_topic, valid)
    running_system.wait_for_sms(valid["applicant"]["phone"])  # the router went on

    consumer = AIOKafkaConsumer(
        dead_letters, bootstrap_servers=running_system.bootstrap, auto_offset_reset="earliest", group_id=None
    )
    await consumer.start()
    try:
        batch = await consumer.getmany(timeout_ms=10_000)
        records = [record for records in batch.values() for record in records]
    finally:
        await consumer.stop()
    assert records, "nothing on the router's dead-letter topic"
    headers = {k: v.decode() for k, v in records[0].headers}
    assert records[0].value == b'{"not": "an envelope"}'
    assert "not an event envelope" in headers["dead_letter_reason"]
    assert headers["dead_letter_source"].startswith(intake_topic)


async def test_the_same_submission_delivered_twice_registers_once_and_sends_one_sms(
    running_system: RunningSystem, portal: AIOKafkaProducer
) -> None:
    document = submission()
    phone = document["applicant"]["phone"]
    duplicates_before = consumed(running_system, "intake", "duplicate")
    await publish(portal, running_system.portal_topic, document)
    await publish(portal, running_system.portal_topic, document)
    number = running_system.submission(document["submission_id"])["application_number"]
    running_system.wait_for_sms(phone)

    deadline = time.monotonic() + 20
    while consumed(running_system, "intake", "duplicate") <= duplicates_before:
        assert time.monotonic() < deadline, "intake never saw the second delivery"
        time.sleep(0.1)
    await running_system.wait_quiet()  # nothing left to do anywhere: no second SMS can still follow
    (sms,) = running_system.sms_to(phone)
    assert number in sms["msg"]
