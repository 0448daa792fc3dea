"""The notifier in process, built by its composition root with a fake provider: the case's facts in,
one SMS out, its outcome relayed, and nothing personal on Kafka."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from acikkapi_shared.clock import ManualClock
from acikkapi_shared.events.base import EventPayload
from acikkapi_shared.events.intake import Applicant, ApplicationRegistered
from acikkapi_shared.events.router import InformationRequested
from acikkapi_shared.events.sla_monitor import DeadlineSet
from acikkapi_shared.testing.fakes import RecordingPublisher
from acikkapi_shared.testing.in_process import Feed, relayed, running, settings_for, upstream
from notifier.adapters.sms import ProviderAcceptance, SmsMessage
from notifier.app import build_dispatcher, build_runtime
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


def registered_at(at: datetime, number: str = NUMBER, *, sms_refused: bool = False) -> ApplicationRegistered:
    return ApplicationRegistered(
        application_number=number,
        tracking_code="K7QX-9M2D-WR4T",
        submission_id=f"s-{number}",
        channel="WEB",
        received_at=at,
        topic="YEREL_YONETIMLER",
        type="SIKAYET",
        district="MERKEZ",
        text="Su kesik.",
        applicant=Applicant(name="Ayşe Yılmaz", phone=PHONE, sms_refused=sms_refused),
    )


def deadline_at(at: datetime, number: str = NUMBER) -> DeadlineSet:
    return DeadlineSet(
        application_number=number,
        institution="BELEDIYE_KARS",
        received_at=at,
        budget_days=7,
        due_at=datetime(2026, 6, 5, 20, 59, 59, tzinfo=UTC),
    )


async def test_one_sms_per_case_and_only_its_outcome_goes_to_kafka(tmp_path: Path) -> None:
    settings = settings_for("notifier", tmp_path)
    publisher, provider = RecordingPublisher(), FakeProvider()
    runtime = build_runtime(settings, clock=ManualClock(NOW), provider=provider, record_publisher=publisher)
    registered, deadline = registered_at(NOW), deadline_at(NOW)
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


async def test_stage_sms_from_the_router_topic_wait_for_quiet_hours_to_end(tmp_path: Path) -> None:
    """At 23:30 Istanbul the registered SMS (urgent) goes, the information request waits for 08:00;
    an applicant who refused SMS gets none, and SmsWithheld is published with the reason."""
    settings = settings_for("notifier", tmp_path)
    night = datetime(2026, 6, 1, 20, 30, tzinfo=UTC)  # 23:30 in Istanbul
    clock, publisher, provider = ManualClock(night), RecordingPublisher(), FakeProvider()
    runtime = build_runtime(
        settings, clock=clock, provider=provider, record_publisher=publisher, dispatch=False
    )
    dispatcher = build_dispatcher(runtime, provider, instance_id="notifier-test")
    refusing = "2026-000002-K"
    topics, feed = settings.topics, Feed()

    def events_of(number: str, sms_refused: bool = False) -> list[tuple[str, EventPayload]]:
        question = InformationRequested(
            application_number=number, institution="BELEDIYE_KARS", request_number=1, question="Adres"
        )
        return [
            ("intake", registered_at(night, number, sms_refused=sms_refused)),
            ("sla-monitor", deadline_at(night, number)),
            ("router", question),
        ]

    messages = [
        feed.event(
            topics.events_of(service), upstream(service, event, correlation_id=number, occurred_at=night)
        )
        for number, refused in ((NUMBER, False), (refusing, True))
        for service, event in events_of(number, refused)
    ]
    async with running(runtime):
        await runtime.processor.process(messages)
        assert await dispatcher.dispatch_due() == 1
        assert ["başvurunuz alınmıştır" in m.text for m in provider.sent] == [True]  # only the registered
        clock.set(datetime(2026, 6, 2, 4, 59, tzinfo=UTC))  # 07:59 in Istanbul: still held
        assert await dispatcher.dispatch_due() == 0
        clock.set(datetime(2026, 6, 2, 5, 0, tzinfo=UTC))  # 08:00
        assert await dispatcher.dispatch_due() == 1
        published = await relayed(publisher, 4)
    assert "İstenen bilgi: Adres." in provider.sent[1].text and len(provider.sent) == 2
    withheld = sorted(
        (e.payload["template"], e.payload["reason"]) for e in published if e.type == "SmsWithheld"
    )
    assert withheld == [("information_requested", "SMS_REFUSED"), ("registered", "SMS_REFUSED")]
    assert all(e.correlation_id == refusing for e in published if e.type == "SmsWithheld")
