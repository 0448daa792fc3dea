"""The sla-monitor in process, built by its composition root: CaseRouted in, DeadlineSet relayed out."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from acikkapi_shared.clock import ManualClock
from acikkapi_shared.events.base import EventPayload
from acikkapi_shared.events.router import (
    CaseAnswered,
    CaseConcluded,
    CaseRouted,
    InformationRequested,
    InformationSupplied,
)
from acikkapi_shared.testing.fakes import RecordingPublisher
from acikkapi_shared.testing.in_process import Feed, relayed, running, settings_for, upstream
from sla_monitor.app import build_runtime
from sla_monitor.projections import clocks

NOW = datetime(2026, 3, 17, 8, 0, tzinfo=UTC)
NUMBER = "2026-000001-N"


def routed_to(institution: str, name: str) -> CaseRouted:
    return CaseRouted(
        application_number=NUMBER,
        institution=institution,
        institution_name=name,
        rule="test",
        confidence=0.9,
        matched=[],
        table_version="t",
        received_at=NOW,
    )


async def test_each_routed_case_gets_one_deadline(tmp_path: Path) -> None:
    settings = settings_for("sla-monitor", tmp_path)
    publisher = RecordingPublisher()
    runtime = build_runtime(settings, clock=ManualClock(NOW), record_publisher=publisher)
    topic = settings.topics.events_of("router")
    routed = routed_to("SAGLIK", "Kars İl Sağlık Müdürlüğü")
    feed = Feed()
    event = upstream("router", routed, correlation_id=NUMBER, occurred_at=NOW)
    async with running(runtime):
        await runtime.processor.process([feed.event(topic, event), feed.event(topic, event)])
        (published,) = await relayed(publisher, 1)
        async with runtime.engine.connect() as connection:
            (row,) = (await connection.execute(sa.select(clocks))).all()
            recorded = (await connection.execute(sa.text("SELECT count(*) FROM events"))).scalar()
    assert published.type == "DeadlineSet" and published.payload["due_at"] == "2026-03-27T23:59:59+03:00"
    # The institution's own clock, in the same event: 5 business days from the routing (here the
    # receipt, Tue 17 March); the redelivered routing recorded nothing.
    assert published.payload["institution_due_at"] == "2026-03-25T23:59:59+03:00"  # 20 March: bayram
    assert published.payload["institution"] == "SAGLIK" and published.payload["institution_budget_days"] == 5
    assert recorded == 1
    assert row.application_number == NUMBER and row.institution == "SAGLIK"


async def test_each_stage_of_the_case_moves_its_clocks_once(tmp_path: Path) -> None:
    settings = settings_for("sla-monitor", tmp_path)
    publisher = RecordingPublisher()
    runtime = build_runtime(settings, clock=ManualClock(NOW), record_publisher=publisher)
    topic = settings.topics.events_of("router")
    routed = routed_to("BELEDIYE_KARS", "Kars Belediyesi")
    stages: list[tuple[EventPayload, datetime]] = [
        (routed, NOW),
        (
            InformationRequested(
                application_number=NUMBER, institution="BELEDIYE_KARS", request_number=1, question="Sokak?"
            ),
            datetime(2026, 3, 18, 9, 0, tzinfo=UTC),
        ),
        (
            InformationSupplied(
                application_number=NUMBER,
                institution="BELEDIYE_KARS",
                request_number=1,
                text="Atatürk Caddesi.",
            ),
            datetime(2026, 3, 24, 9, 0, tzinfo=UTC),
        ),
        (
            CaseAnswered(application_number=NUMBER, institution="BELEDIYE_KARS", answer="Giderildi."),
            datetime(2026, 3, 25, 9, 0, tzinfo=UTC),
        ),
        (
            CaseConcluded(
                application_number=NUMBER,
                institution="BELEDIYE_KARS",
                outcome="RESOLVED",
                reasons="",
                answer="Giderildi.",
            ),
            datetime(2026, 3, 26, 9, 0, tzinfo=UTC),
        ),
    ]
    feed = Feed()
    messages = [
        feed.event(topic, upstream("router", event, correlation_id=NUMBER, occurred_at=moment))
        for event, moment in stages
    ]
    async with running(runtime):
        await runtime.processor.process(messages)
        await runtime.processor.process(messages)  # redelivered: nothing moves twice
        published = await relayed(publisher, 5)
    assert [event.type for event in published] == [
        "DeadlineSet",  # both clocks
        "ClocksPaused",
        "ClocksResumed",
        "InstitutionClockStopped",
        "ClocksClosed",
    ]
    resumed = published[2].payload
    # Paused 18-24 March: the office's 7 days are 25, 26, 27, 30, 31 March, 1, 2 April.
    assert resumed["office_due_at"] == "2026-04-02T23:59:59+03:00"
    assert published[3].payload["on_time"] is True and published[4].payload["on_time"] is True
