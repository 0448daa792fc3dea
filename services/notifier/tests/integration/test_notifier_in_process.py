"""The notifier in process, built by its composition root: the case's facts in, SMS out (a fake
provider, or the simulator over real HTTP), outcomes and delivery reports relayed, nothing personal on
Kafka."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from acikkapi_shared.clock import ManualClock
from acikkapi_shared.events.base import EventPayload
from acikkapi_shared.events.intake import Applicant, ApplicationRegistered, Problem, SubmissionRejected
from acikkapi_shared.events.router import ApplicantRequestRefused, InformationRequested
from acikkapi_shared.events.sla_monitor import DeadlineSet
from acikkapi_shared.eventstore.schema import events
from acikkapi_shared.testing.fakes import RecordingPublisher
from acikkapi_shared.testing.in_process import Feed, relayed, running, settings_for, upstream
from notifier.adapters.netgsm import NetgsmSmsProvider
from notifier.adapters.netgsm_reports import NetgsmReportClient
from notifier.adapters.sms import ProviderAcceptance, SmsMessage
from notifier.app import build_dispatcher, build_report_poller, build_runtime
from notifier.dispatcher import SmsDispatcher
from notifier.domain.reports import ReportRow
from notifier.projections import sms_outbox
from notifier.report_poller import DeliveryReports
from sms_gateway_sim.testing import SimulatorControl, running_simulator

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


def registered_at(
    at: datetime, number: str = NUMBER, *, phone: str = PHONE, sms_refused: bool = False
) -> ApplicationRegistered:
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
        applicant=Applicant(name="Ayşe Yılmaz", phone=phone, sms_refused=sms_refused),
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


class WithUnknownJob:
    """The provider's real reports, plus a row for a job the notifier never sent."""

    def __init__(self, reports: DeliveryReports) -> None:
        self._reports = reports

    async def report(self, jobids: Sequence[str], *, start: datetime, stop: datetime) -> list[ReportRow]:
        rows = await self._reports.report(jobids, start=start, stop=stop)
        return [*rows, ReportRow("9999999999", "5329999999", 1, None, None)]


@contextlib.asynccontextmanager
async def reporting_notifier(tmp_path: Path, simulator_url: str) -> AsyncIterator[tuple[Any, ...]]:
    """Yields (runtime, dispatcher, report client, publisher) of a notifier sending to the simulator.

    Its clock is the wall clock's now (then manual): the simulator dates what it accepts by the wall
    clock, and the report query asks by date."""
    settings = settings_for("notifier", tmp_path)
    clock, publisher = ManualClock(datetime.now(UTC)), RecordingPublisher()
    async with httpx.AsyncClient(timeout=5.0) as client:
        account = {
            "base_url": simulator_url,
            "usercode": "acikkapi",
            "password": "acikkapi",
            "client": client,
        }
        provider = NetgsmSmsProvider(msgheader="KARSVALILIK", **account)
        runtime = build_runtime(
            settings, clock=clock, provider=provider, record_publisher=publisher, dispatch=False
        )
        async with running(runtime):
            yield (
                runtime,
                build_dispatcher(runtime, provider, instance_id="t"),
                NetgsmReportClient(**account),
                publisher,
            )


async def send_registered_sms(runtime: Any, dispatcher: SmsDispatcher, phones: Sequence[str]) -> None:
    """Feeds one case per phone and sends their registered SMS."""
    topics, feed, now = runtime.settings.topics, Feed(), runtime.clock.now()
    messages = []
    for n, phone in enumerate(phones, start=1):
        number = f"2026-{n:06d}-N"
        facts = (
            ("intake", registered_at(now, number, phone=phone)),
            ("sla-monitor", deadline_at(now, number)),
        )
        for service, event in facts:
            envelope = upstream(service, event, correlation_id=number, occurred_at=now)
            messages.append(feed.event(topics.events_of(service), envelope))
    await runtime.processor.process(messages)
    while await dispatcher.dispatch_due():
        pass


async def test_delivery_reports_over_real_http_become_events_once(tmp_path: Path) -> None:
    phones = ["+905321000001", "+905321000002", "+905321000003"]
    with running_simulator() as url:
        SimulatorControl(url).set_delivery(delay_ms=0, statuses={phones[1]: 3})
        async with reporting_notifier(tmp_path, url) as (runtime, dispatcher, reports, publisher):
            await send_registered_sms(runtime, dispatcher, phones)
            poller = build_report_poller(runtime, reports)
            assert await poller.poll_once() == 3
            assert await poller.poll_once() == 0  # nothing is asked again once reported
            published = await relayed(publisher, 6)
    reported = sorted(
        (e.correlation_id, e.type, e.payload["status"])
        for e in published
        if e.type in ("SmsDelivered", "SmsDeliveryFailed")
    )
    assert reported == [
        ("2026-000001-N", "SmsDelivered", 1),
        ("2026-000002-N", "SmsDeliveryFailed", 3),
        ("2026-000003-N", "SmsDelivered", 1),
    ]
    failed = next(e for e in published if e.type == "SmsDeliveryFailed")
    assert (
        failed.payload["reason"] == "wrong or restricted number"
        and failed.payload["template"] == "registered"
    )
    assert all(b"532100000" not in record.value for record in publisher.sent)  # no phone number in clear


async def test_a_waiting_report_is_asked_again_and_a_row_of_an_unknown_job_is_recorded_once(
    tmp_path: Path,
) -> None:
    with running_simulator() as url:
        # Long enough that the first poll comes before the report on a loaded machine (300 ms was
        # not: a clean-clone CI run polled after it and read both rows at once).
        SimulatorControl(url).set_delivery(delay_ms=2000)
        async with reporting_notifier(tmp_path, url) as (runtime, dispatcher, reports, publisher):
            await send_registered_sms(runtime, dispatcher, [PHONE])
            poller = build_report_poller(runtime, WithUnknownJob(reports))
            assert await poller.poll_once() == 1  # the unknown job's row only: ours is still waiting
            recorded, deadline = 0, time.monotonic() + 10
            while not recorded and time.monotonic() < deadline:  # polled with a deadline
                await asyncio.sleep(0.05)
                recorded = await poller.poll_once()
            assert recorded == 1  # delivered now; the unknown row is not recorded twice
            async with runtime.engine.connect() as connection:
                types = [row.type for row in await connection.execute(sa.select(events.c.type))]
            delivered = next(e for e in await relayed(publisher, 2) if e.type == "SmsDelivered")
            (message,) = SimulatorControl(url).messages()
    assert types.count("DeliveryReportUnmatched") == 1 and types.count("SmsDelivered") == 1
    # When the handset got it by the provider (received + the 2 s delay, to the second), in UTC.
    reached = datetime.fromtimestamp(message["received_at"] + 2, UTC).replace(microsecond=0)
    assert datetime.fromisoformat(delivered.payload["delivered_at"]) == reached


class ReportsOf:
    """The provider's report rows for the SMS of one number: delivered at a moment, or failed."""

    def __init__(self, number: str, delivered_at: datetime | None) -> None:
        self.number, self.delivered_at = number, delivered_at

    async def report(self, jobids: Sequence[str], *, start: datetime, stop: datetime) -> list[ReportRow]:
        status = 2 if self.delivered_at is None else 1
        return [ReportRow(jobid, self.number, status, None, self.delivered_at) for jobid in jobids]


async def test_a_report_read_late_carries_the_providers_delivery_moment_and_the_sms_trigger(
    tmp_path: Path,
) -> None:
    settings = settings_for("notifier", tmp_path)
    clock, publisher, provider = ManualClock(NOW), RecordingPublisher(), FakeProvider()
    runtime = build_runtime(
        settings, clock=clock, provider=provider, record_publisher=publisher, dispatch=False
    )
    topics, feed = settings.topics, Feed()
    failing = "2026-000002-N"
    deadlines = {
        n: upstream("sla-monitor", deadline_at(NOW, n), correlation_id=n, occurred_at=NOW)
        for n in (NUMBER, failing)
    }
    facts = [
        feed.event(
            topics.events_of("intake"),
            upstream("intake", registered_at(NOW, n, phone=p), correlation_id=n, occurred_at=NOW),
        )
        for n, p in ((NUMBER, PHONE), (failing, "+905329999999"))
    ]
    facts += [feed.event(topics.events_of("sla-monitor"), deadline) for deadline in deadlines.values()]
    handset = NOW + timedelta(seconds=3)
    async with running(runtime):
        await runtime.processor.process(facts)
        dispatcher = build_dispatcher(runtime, provider, instance_id="t")
        while await dispatcher.dispatch_due():
            pass
        clock.advance(timedelta(seconds=40))  # the poll comes well after the handset got it
        assert await build_report_poller(runtime, ReportsOf(PHONE[-10:], handset)).poll_once() == 1
        assert await build_report_poller(runtime, ReportsOf("5329999999", None)).poll_once() == 1
        published = [e for e in await relayed(publisher, 4) if e.type.startswith("SmsDeliver")]
    reports = {e.correlation_id: e for e in published}
    delivered, failed = reports[NUMBER], reports[failing]
    assert (
        delivered.type == "SmsDelivered"
        and datetime.fromisoformat(delivered.payload["delivered_at"]) == handset
    )
    assert delivered.occurred_at == NOW + timedelta(seconds=40)  # read then; delivered before
    assert failed.type == "SmsDeliveryFailed"
    assert {n: e.payload["trigger_event_id"] for n, e in reports.items()} == {
        n: str(deadline.event_id) for n, deadline in deadlines.items()
    }


async def test_a_rejected_submission_with_a_number_to_tell_is_answered_by_sms(tmp_path: Path) -> None:
    settings = settings_for("notifier", tmp_path)
    provider = FakeProvider()
    runtime = build_runtime(
        settings,
        clock=ManualClock(NOW),
        provider=provider,
        record_publisher=RecordingPublisher(),
        dispatch=False,
    )
    problem = Problem(code="DISTRICT_UNKNOWN", field="district", message_tr="Seçilen ilçe tanınmadı.")
    feed, topic = Feed(), settings.topics.events_of("intake")
    other_phone = "+905339876543"
    rejected = [
        SubmissionRejected(
            submission_id=submission_id, received_at=NOW, problems=[problem], source=f"p-{n}", phone=phone
        )
        for n, submission_id, phone in (
            (1, "s-1", PHONE),
            (2, "s-2", None),  # no number: intake found none to tell, or was told not to
            (3, None, other_phone),  # no readable id: the message's place in the topic stands for it
        )
    ]
    async with running(runtime):
        envelopes = [
            upstream("intake", event, correlation_id=event.submission_id or event.source, occurred_at=NOW)
            for event in rejected
        ]
        await runtime.processor.process([feed.event(topic, envelope) for envelope in envelopes])
        await runtime.processor.process([feed.event(topic, envelopes[0])])  # redelivered
        dispatcher = build_dispatcher(runtime, provider, instance_id="t")
        while await dispatcher.dispatch_due():
            pass
    assert sorted(m.phone_e164 for m in provider.sent) == sorted([PHONE, other_phone])
    assert all("Gerekçe: Seçilen ilçe tanınmadı. Kars Valiliği" in m.text for m in provider.sent)


async def test_a_request_the_router_refused_is_told_by_sms_once(tmp_path: Path) -> None:
    settings = settings_for("notifier", tmp_path)
    clock, provider = ManualClock(datetime(2026, 6, 2, 9, 0, tzinfo=UTC)), FakeProvider()  # 12:00 Istanbul
    runtime = build_runtime(
        settings, clock=clock, provider=provider, record_publisher=RecordingPublisher(), dispatch=False
    )
    dispatcher = build_dispatcher(runtime, provider, instance_id="notifier-test")
    refusal = ApplicantRequestRefused(
        application_number=NUMBER,
        institution="BELEDIYE_KARS",
        request="WITHDRAWAL",
        request_event_id="e-1",
        code="ILLEGAL_TRANSITION",
        message="Başvuru «sonuçlandı» aşamasında; bu işlem şu anda yapılamaz.",
    )
    topics, feed, now = settings.topics, Feed(), clock.now()
    facts = [("intake", registered_at(now)), ("sla-monitor", deadline_at(now)), ("router", refusal)]
    envelopes = [(s, upstream(s, e, correlation_id=NUMBER, occurred_at=now)) for s, e in facts]
    async with running(runtime):
        await runtime.processor.process([feed.event(topics.events_of(s), e) for s, e in envelopes])
        await runtime.processor.process([feed.event(topics.events_of("router"), envelopes[-1][1])])  # again
        while await dispatcher.dispatch_due():
            pass
    texts = [message.text for message in provider.sent]  # the two in either order (one job)
    (refused,) = [text for text in texts if "işleme alınamamıştır" in text]
    assert len(texts) == 2 and any("başvurunuz alınmıştır" in text for text in texts)
    assert "geri çekme talebiniz, başvurunuzun bulunduğu aşamada işleme alınamamıştır" in refused
    assert NUMBER in refused and "K7QX-9M2D-WR4T" in refused
