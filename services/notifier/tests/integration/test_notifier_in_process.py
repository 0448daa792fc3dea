"""The notifier in process, built by its composition root with a fake provider: the case's facts in,
one SMS out, its outcome relayed, and nothing personal on Kafka."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from acikkapi_shared.clock import ManualClock
from acikkapi_shared.events.intake import Applicant, ApplicationRegistered
from acikkapi_shared.events.sla_monitor import DeadlineSet
from acikkapi_shared.testing.fakes import RecordingPublisher
from acikkapi_shared.testing.in_process import Feed, relayed, running, settings_for, upstream
from notifier.adapters.sms import ProviderAcceptance, SmsMessage
from notifier.app import build_runtime
from notifier.projections import sms_outbox

NOW = datetime(2026, 5, 22, 11, 0, 5, tzinfo=UTC)
NUMBER = "2026-000001-N"
PHONE = "+905321234567"


class FakeProvider:
    def __init__(self) -> None:
        self.sent: list[SmsMessage] = []

    async def send(self, message: SmsMessage) -> ProviderAcceptance:
        self.sent.append(message)
        return ProviderAcceptance(provider_message_id=f"job-{len(self.sent)}")

    async def send_batch(
        self, messages: Sequence[SmsMessage], *, idempotency_key: str
    ) -> list[ProviderAcceptance]:
        return [await self.send(message) for message in messages]


async def test_one_sms_per_case_and_only_its_outcome_goes_to_kafka(tmp_path: Path) -> None:
    settings = settings_for("notifier", tmp_path)
    publisher, provider = RecordingPublisher(), FakeProvider()
    runtime = build_runtime(settings, clock=ManualClock(NOW), provider=provider, record_publisher=publisher)
    registered = ApplicationRegistered(
        application_number=NUMBER,
        tracking_code="K7QX-9M2D-WR4T",
        submission_id="s",
        channel="WEB",
        received_at=NOW,
        topic="YEREL_YONETIMLER",
        type="SIKAYET",
        district="MERKEZ",
        text="Su kesik.",
        applicant=Applicant(name="Ayşe Yılmaz", phone=PHONE),
    )
    deadline = DeadlineSet(
        application_number=NUMBER,
        institution="BELEDIYE_KARS",
        received_at=NOW,
        budget_days=7,
        due_at=datetime(2026, 6, 5, 20, 59, 59, tzinfo=UTC),
    )
    topics = settings.topics
    feed = Feed()
    intake_event = upstream("intake", registered, correlation_id=NUMBER, occurred_at=NOW)
    sla_event = upstream("sla-monitor", deadline, correlation_id=NUMBER, occurred_at=NOW)
    async with running(runtime):
        await runtime.processor.process([feed.event(topics.events_of("sla-monitor"), sla_event)])
        await runtime.processor.process([feed.event(topics.events_of("intake"), intake_event)])
        await runtime.processor.process([feed.event(topics.events_of("sla-monitor"), sla_event)])  # again
        (published,) = await relayed(publisher, 1)
        async with runtime.engine.connect() as connection:
            # Nothing is left to send, so no second SMS can follow.
            outbox = [(row.status, row.phone) for row in await connection.execute(sa.select(sms_outbox))]
    assert outbox == [("ACCEPTED", PHONE)]
    assert [m.phone_e164 for m in provider.sent] == [PHONE] and "K7QX-9M2D-WR4T" in provider.sent[0].text
    assert published.type == "SmsAccepted" and published.payload["attempt"] == 1
    assert all(
        PHONE.encode() not in record.value and b"K7QX" not in record.value for record in publisher.sent
    )
