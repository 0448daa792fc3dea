"""The citizen-facing HTTP API: an application's stage by its number, its whole timeline with the
tracking code (access.py), a submission's outcome by id. The applicant's requests: applicant_actions.py."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Header, Query, Request

from acikkapi_shared.runtime import ServiceRuntime
from intake.entrypoints.access import CITIZEN_RESPONSES, Access, Attempt, error, find, presented_code
from intake.entrypoints.applicant_actions import client_address
from intake.entrypoints.timeline_view import ApplicationSummary, ApplicationTimeline, summary
from intake.entrypoints.tracked_view import tracked_view
from intake.projections import applications, submissions
from intake.tracking_page.limiter import FailureLimiter

SUBMISSION_NOT_FOUND_TR = "Başvurunuz henüz işlenmedi. Lütfen birkaç saniye sonra yeniden deneyin."
SUBMISSION_ID_INVALID_TR = "Gönderim kimliği geçersiz."


def status_router(runtime: ServiceRuntime, limiter: FailureLimiter) -> APIRouter:
    """Returns the read-only routes of the citizen API."""
    router = APIRouter(prefix="/api/v1", tags=["citizens"], responses=CITIZEN_RESPONSES)

    @router.get("/applications/{number}", response_model=ApplicationTimeline | ApplicationSummary)
    async def application_status(
        request: Request,
        number: str,
        tracking_code: Annotated[str, Query(max_length=64)] = "",
        x_tracking_code: Annotated[str | None, Header(max_length=64)] = None,
    ) -> Any:
        """The stage and due moment by the number alone; the whole timeline with the tracking code."""
        attempt = Attempt(limiter, client_address(request), runtime.gateway.clock.now())
        found = await find(runtime, number, presented_code(x_tracking_code, tracking_code), attempt)
        if not isinstance(found, Access):
            return found
        if not found.tracked:
            return summary(found.row)
        return await tracked_view(runtime, found.row)

    @router.get("/submissions/{submission_id}")
    async def submission_outcome(submission_id: str) -> Any:
        try:
            canonical = str(uuid.UUID(submission_id))
        except ValueError:
            return error(400, "SUBMISSION_ID_INVALID", SUBMISSION_ID_INVALID_TR)
        async with runtime.read_engine.connect() as connection:
            row = (
                await connection.execute(
                    sa.select(submissions).where(submissions.c.submission_id == canonical)
                )
            ).first()
        if row is None:
            return error(404, "SUBMISSION_NOT_PROCESSED", SUBMISSION_NOT_FOUND_TR)
        tracking_code = None
        if row.application_number:
            found = await _tracking_code(runtime, row.application_number)
            tracking_code = found
        # The submission id is the portal's unguessable reference: its holder may show the code.
        return {
            "submission_id": row.submission_id,
            "status": row.status,
            "application_number": row.application_number,
            "tracking_code": tracking_code,
            "problems": row.problems or [],
        }

    return router


async def _tracking_code(runtime: ServiceRuntime, number: str) -> str | None:
    async with runtime.read_engine.connect() as connection:
        query = sa.select(applications.c.tracking_code).where(applications.c.application_number == number)
        code: str | None = (await connection.execute(query)).scalar()
    return code
