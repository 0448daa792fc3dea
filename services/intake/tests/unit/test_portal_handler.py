"""Intake's handling of portal messages: register under sequential numbers, or reject with reasons."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from acikkapi_shared.clock import ManualClock
from acikkapi_shared.eventstore.database import create_engine, migrate
from acikkapi_shared.eventstore.store import SqlAlchemyEventStore
from acikkapi_shared.eventstore.unit_of_work import UnitOfWork
from acikkapi_shared.messaging.inbound import InboundMessage
from intake.handlers import PortalSubmissionHandler
from intake.projections import IntakeProjector, applications, submissions

NOW = datetime(2026, 5, 22, 11, 0, 5, tzinfo=UTC)
VALID = {
    "submission_id": "0b9d3c1e-6a52-4f7e-9a51-2f0c8e7d4b10",
    "submitted_at": "2026-05-22T14:00:00+03:00",
    "channel": "WEB",
    "applicant": {"name": "Ayşe Yılmaz", "phone": "0532 123 45 67", "tckn": "10000000146"},
    "topic": "YEREL_YONETIMLER",
    "type": "SIKAYET",
    "district": "MERKEZ",
    "text": "Yusufpaşa Mahallesi'nde iki gündür içme suyu kesik.",
    "added_in_a_later_version": True,
}


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'intake.db'}")
    await migrate(engine)
    async with engine.begin() as connection:
        await connection.run_sync(IntakeProjector().create_tables)
    yield engine
    await engine.dispose()


async def handle(engine: AsyncEngine, body: bytes, offset: int = 0) -> None:
    clock = ManualClock(NOW)
    handler = PortalSubmissionHandler(token_bytes=lambda n: bytes(range(n)))
    message = InboundMessage(topic="portal", partition=0, offset=offset, key=None, value=body)
    async with engine.begin() as connection:
        work = UnitOfWork(connection, SqlAlchemyEventStore("intake", clock), IntakeProjector(), clock)
        await handler(work, message)
        await work.flush()


async def test_valid_submissions_get_sequential_numbers_of_their_istanbul_year(engine: AsyncEngine) -> None:
    await handle(engine, json.dumps(VALID).encode())
    second = {**VALID, "submission_id": "1b9d3c1e-6a52-4f7e-9a51-2f0c8e7d4b10"}
    await handle(engine, json.dumps(second).encode(), offset=1)
    async with engine.connect() as connection:
        rows = (
            await connection.execute(sa.select(applications).order_by(applications.c.application_number))
        ).all()
    assert [r.application_number[:12] for r in rows] == ["2026-000001-", "2026-000002-"]
    assert rows[0].stage == "REGISTERED" and rows[0].received_at == datetime(2026, 5, 22, 11, 0, tzinfo=UTC)


async def test_a_new_year_in_istanbul_starts_a_new_sequence(engine: AsyncEngine) -> None:
    # 31 Dec 22:30 UTC is already 1 January in Istanbul.
    await handle(engine, json.dumps({**VALID, "submitted_at": "2026-12-31T22:30:00Z"}).encode())
    async with engine.connect() as connection:
        number = (await connection.execute(sa.select(applications.c.application_number))).scalar_one()
    assert number.startswith("2027-000001-")


async def test_an_invalid_submission_is_rejected_with_every_problem(engine: AsyncEngine) -> None:
    bad = {**VALID, "applicant": {"name": "A", "phone": "0312 123 45 67", "tckn": "12345678901"}}
    await handle(engine, json.dumps(bad).encode())
    async with engine.connect() as connection:
        row = (await connection.execute(sa.select(submissions))).one()
        registered = (await connection.execute(sa.select(sa.func.count()).select_from(applications))).scalar()
    assert row.status == "REJECTED" and registered == 0
    assert {p["code"] for p in row.problems} >= {"PHONE_NOT_MOBILE", "TCKN_INVALID"}
    assert all(p["message_tr"] for p in row.problems)


async def test_a_body_that_is_not_json_is_recorded_as_a_rejection(engine: AsyncEngine) -> None:
    await handle(engine, b"\x00\xff garbage")
    async with engine.connect() as connection:
        types = (await connection.execute(sa.text("SELECT type, correlation_id FROM events"))).all()
    assert [(t.type, t.correlation_id) for t in types] == [("SubmissionRejected", "portal/0/0")]


async def test_the_read_models_rebuilt_from_the_log_equal_the_live_ones(engine: AsyncEngine) -> None:
    from acikkapi_shared.eventstore.replay import rebuild_projections

    await handle(engine, json.dumps(VALID).encode())
    await handle(engine, b"not json", offset=1)
    await handle(
        engine,
        json.dumps(
            {**VALID, "submission_id": "2b9d3c1e-6a52-4f7e-9a51-2f0c8e7d4b10", "topic": "YOK"}
        ).encode(),
        offset=2,
    )

    async def snapshot() -> list[object]:
        async with engine.connect() as connection:
            return [
                sorted(tuple(row) for row in (await connection.execute(sa.select(table))).all())
                for table in (applications, submissions)
            ]

    live = await snapshot()
    assert all(live)
    replayed = await rebuild_projections(
        engine, SqlAlchemyEventStore("intake", ManualClock(NOW)), IntakeProjector()
    )
    assert replayed == 4  # number issued, registered, two rejections
    assert await snapshot() == live
