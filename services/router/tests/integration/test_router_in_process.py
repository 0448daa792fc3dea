"""The router in process, built by its composition root: intake's events in, CaseRouted relayed out."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from acikkapi_shared.clock import ManualClock
from acikkapi_shared.events.intake import Applicant, ApplicationRegistered, SubmissionRejected
from acikkapi_shared.testing.fakes import RecordingPublisher
from acikkapi_shared.testing.in_process import Feed, relayed, running, settings_for, upstream
from router.app import build_runtime
from router.projections import cases

NOW = datetime(2026, 5, 22, 11, 0, 5, tzinfo=UTC)
NUMBER = "2026-000001-N"


def registered(number: str = NUMBER) -> ApplicationRegistered:
    return ApplicationRegistered(
        application_number=number,
        tracking_code="K7QX-9M2D-WR4T",
        submission_id="0b9d3c1e-6a52-4f7e-9a51-2f0c8e7d4b10",
        channel="WEB",
        received_at=NOW,
        topic="YEREL_YONETIMLER",
        type="SIKAYET",
        district="MERKEZ",
        text="Yusufpaşa Mahallesi'nde iki gündür içme suyu kesik.",
        applicant=Applicant(name="Ayşe Yılmaz", phone="+905321234567"),
    )


async def test_each_registration_is_routed_once_and_published(tmp_path: Path) -> None:
    settings = settings_for("router", tmp_path)
    publisher = RecordingPublisher()
    runtime = build_runtime(settings, clock=ManualClock(NOW), record_publisher=publisher)
    topic = settings.topics.events_of("intake")
    feed = Feed()
    event = upstream("intake", registered(), correlation_id=NUMBER, occurred_at=NOW)
    other = upstream(
        "intake",
        SubmissionRejected(submission_id=None, received_at=NOW, problems=[], source="x"),
        correlation_id="x",
        occurred_at=NOW,
    )
    async with running(runtime):
        await runtime.processor.process([feed.event(topic, event), feed.event(topic, other)])
        await runtime.processor.process([feed.event(topic, event)])  # redelivered
        (published,) = await relayed(publisher, 1)
        async with runtime.engine.connect() as connection:
            rows = (await connection.execute(sa.select(cases))).all()
    assert published.type == "CaseRouted" and published.correlation_id == NUMBER
    assert published.payload["institution"] == "BELEDIYE_KARS"
    assert published.causation_id == str(event.event_id)
    assert published.metadata["actor"] == "service:router"
    assert [(row.application_number, row.institution) for row in rows] == [(NUMBER, "BELEDIYE_KARS")]
