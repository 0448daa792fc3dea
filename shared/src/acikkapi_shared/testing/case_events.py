"""Upstream events of one case for tests and benchmarks of the services that follow cases."""

from __future__ import annotations

from datetime import datetime

from acikkapi_shared.events.base import EventPayload
from acikkapi_shared.events.router import CaseAcknowledged, CaseRouted, InformationRequested
from acikkapi_shared.events.sla_monitor import ClocksPaused, DeadlineSet
from acikkapi_shared.reference import kars


def information_requested(
    number: str, institution: str, *, received_at: datetime, due_at: datetime, question: str
) -> list[tuple[str, EventPayload]]:
    """Returns (service, event) in the order they happen: the router routes the case to the
    institution, the sla-monitor sets its deadline, the institution acknowledges it and asks the
    applicant a question, and the sla-monitor pauses the clocks."""
    return [
        (
            "router",
            CaseRouted(
                application_number=number,
                institution=institution,
                institution_name=kars().institutions[institution].name,
                rule="test",
                confidence=0.9,
                matched=[],
                table_version="test",
                received_at=received_at,
            ),
        ),
        (
            "sla-monitor",
            DeadlineSet(
                application_number=number,
                institution=institution,
                received_at=received_at,
                budget_days=7,
                due_at=due_at,
            ),
        ),
        ("router", CaseAcknowledged(application_number=number, institution=institution)),
        (
            "router",
            InformationRequested(
                application_number=number, institution=institution, request_number=1, question=question
            ),
        ),
        (
            "sla-monitor",
            ClocksPaused(
                application_number=number, at=received_at, reason="INFORMATION_REQUESTED", request_number=1
            ),
        ),
    ]
