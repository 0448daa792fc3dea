"""The applicant's requests from intake's topic become Case commands (router in process, SQLite): the
information supplied, an objection, a withdrawal; one the Case refuses becomes ApplicantRequestRefused."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from acikkapi_shared.clock import ManualClock
from acikkapi_shared.commands import CommandContext
from acikkapi_shared.events.base import EventPayload
from acikkapi_shared.events.envelope import EventEnvelope
from acikkapi_shared.events.intake import (
    Applicant,
    ApplicantObjected,
    ApplicantSuppliedInformation,
    ApplicantWithdrew,
    ApplicationRegistered,
)
from acikkapi_shared.reference import kars
from acikkapi_shared.runtime import ServiceRuntime
from acikkapi_shared.testing.fakes import RecordingPublisher
from acikkapi_shared.testing.in_process import Feed, running, settings_for, upstream
from router.app import build_runtime
from router.domain.case import case_decider
from router.domain.case_commands import (
    AcknowledgeCase,
    AnswerCase,
    ApproveAnswer,
    CaseCommand,
    Outcome,
    RequestInformation,
)
from router.domain.routing import RoutingTable

NOW = datetime(2026, 5, 22, 11, 0, 5, tzinfo=UTC)
NUMBER = "2026-000001-N"
cases = case_decider(RoutingTable.load_default(), kars())


@dataclass
class Router:
    runtime: ServiceRuntime
    feed: Feed

    async def from_intake(self, *payloads: EventPayload) -> list[EventEnvelope]:
        events = [upstream("intake", p, correlation_id=NUMBER, occurred_at=NOW) for p in payloads]
        topic = self.runtime.settings.topics.events_of("intake")
        await self.runtime.processor.process([self.feed.event(topic, event) for event in events])
        return events

    async def by_staff(self, *commands: CaseCommand) -> None:
        for index, command in enumerate(commands):
            context = CommandContext(
                occurred_at=NOW, actor="staff:test", idempotency_key=f"{command}-{index}"
            )
            outcome = await self.runtime.gateway.handle(cases, NUMBER, command, context)
            assert outcome.rejection is None, outcome.rejection

    async def log(self) -> list[Any]:
        """Returns the case stream's events (not the petition's, kept on its own stream)."""
        async with self.runtime.engine.connect() as connection:
            query = sa.text(
                "SELECT type, payload, metadata, causation_id FROM events"
                " WHERE stream_id = :number ORDER BY position"
            )
            return list(await connection.execute(query, {"number": NUMBER}))


@pytest.fixture
async def router(tmp_path: Path) -> AsyncIterator[Router]:
    runtime = build_runtime(
        settings_for("router", tmp_path), clock=ManualClock(NOW), record_publisher=RecordingPublisher()
    )
    async with running(runtime):
        registered = ApplicationRegistered(
            application_number=NUMBER,
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
        router = Router(runtime, Feed())
        await router.from_intake(registered)
        yield router


def payload_of(row: Any) -> dict[str, Any]:
    value = row.payload
    return value if isinstance(value, dict) else json.loads(value)


async def test_the_information_supplied_through_intake_resumes_the_case(router: Router) -> None:
    await router.by_staff(AcknowledgeCase(), RequestInformation("Sokak adı nedir?"))
    (sent,) = await router.from_intake(
        ApplicantSuppliedInformation(application_number=NUMBER, request_number=1, text="Kazım Karabekir Cd.")
    )
    last = (await router.log())[-1]
    assert last.type == "InformationSupplied" and last.causation_id == str(sent.event_id)
    assert (payload_of(last)["text"], payload_of(last)["request_number"]) == ("Kazım Karabekir Cd.", 1)
    assert "applicant:intake" in str(last.metadata)


async def test_an_objection_reopens_the_concluded_case(router: Router) -> None:
    await router.by_staff(AcknowledgeCase(), AnswerCase("Arıza giderildi."), ApproveAnswer(Outcome.RESOLVED))
    await router.from_intake(ApplicantObjected(application_number=NUMBER, reason="Su yine kesik."))
    last = (await router.log())[-1]
    assert last.type == "CaseReopened" and payload_of(last)["objection"] == "Su yine kesik."


async def test_a_request_the_case_refuses_is_told_to_the_applicant_and_the_next_one_applied(
    router: Router,
) -> None:
    # intake saw the information request, the office re-routed meanwhile: the Case is ROUTED.
    (late, _withdrawal) = await router.from_intake(
        ApplicantSuppliedInformation(application_number=NUMBER, request_number=1, text="Geç kalan bilgi"),
        ApplicantWithdrew(application_number=NUMBER, reason="Vazgeçtim."),
    )
    kinds = [row.type for row in await router.log()]
    assert kinds == ["CaseRouted", "ApplicantRequestRefused", "CaseWithdrawn"]
    refused = (await router.log())[1]
    assert payload_of(refused) == {
        "application_number": NUMBER,
        "institution": payload_of((await router.log())[0])["institution"],
        "request": "INFORMATION",
        "request_event_id": str(late.event_id),
        "code": "ILLEGAL_TRANSITION",
        "message": "Başvuru «kuruma yönlendirildi» aşamasında; bu işlem şu anda yapılamaz.",
    }
    assert refused.causation_id == str(late.event_id) and "applicant:intake" in str(refused.metadata)
    assert "Geç kalan bilgi" not in str(payload_of(refused))  # the request's own words are not repeated
    # A withdrawal of the withdrawn case is refused too; redelivered, it records nothing more.
    (again,) = await router.from_intake(ApplicantWithdrew(application_number=NUMBER, reason="Yine."))
    topic = router.runtime.settings.topics.events_of("intake")
    await router.runtime.processor.process([router.feed.event(topic, again)])
    kinds = [row.type for row in await router.log()]
    assert kinds == ["CaseRouted", "ApplicantRequestRefused", "CaseWithdrawn", "ApplicantRequestRefused"]
    assert payload_of((await router.log())[-1])["request"] == "WITHDRAWAL"
