"""The citizen-facing HTTP API: an application's status by number and tracking code, a submission's
outcome by id.

Application numbers are sequential and their check character can be computed, so a number alone
shows nothing: the tracking code sent by SMS must come with it, and a wrong number and a wrong code
get the same answer.
"""

from __future__ import annotations

import hmac
import uuid
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from acikkapi_shared.reference import kars
from acikkapi_shared.runtime import ServiceRuntime
from intake.domain.application import STAGE_LABELS_TR
from intake.domain.numbers import (
    InvalidApplicationNumber,
    InvalidTrackingCode,
    normalise_tracking_code,
    parse_application_number,
)
from intake.projections import applications, submissions

ISTANBUL = ZoneInfo("Europe/Istanbul")
NOT_FOUND_TR = (
    "Bu numara ve takip koduyla kayıtlı bir başvuru bulunamadı. Lütfen numarayı ve SMS ile gönderilen "
    "takip kodunu kontrol edin."
)
SUBMISSION_NOT_FOUND_TR = "Başvurunuz henüz işlenmedi. Lütfen birkaç saniye sonra yeniden deneyin."
SUBMISSION_ID_INVALID_TR = "Gönderim kimliği geçersiz."


class InstitutionView(BaseModel):
    code: str
    name: str


class ApplicationStatus(BaseModel):
    application_number: str
    stage: str
    stage_label: str
    institution: InstitutionView | None
    deadline: datetime | None
    received_at: datetime
    updated_at: datetime


def _istanbul(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.astimezone(ISTANBUL)


def _error(status: int, code: str, message_tr: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message_tr}}, status_code=status)


def status_router(runtime: ServiceRuntime) -> APIRouter:
    """Returns the read-only routes of the citizen API."""
    router = APIRouter(prefix="/api/v1", tags=["citizens"])

    @router.get("/applications/{number}", response_model=ApplicationStatus)
    async def application_status(
        number: str, tracking_code: Annotated[str, Query(max_length=64)] = ""
    ) -> Any:
        try:
            parsed = parse_application_number(number)
        except InvalidApplicationNumber as invalid:
            return _error(400, invalid.code, invalid.message_tr)
        try:
            code = normalise_tracking_code(tracking_code)
        except InvalidTrackingCode:
            code = None
        async with runtime.read_engine.connect() as connection:
            row = (
                await connection.execute(
                    sa.select(applications).where(applications.c.application_number == str(parsed))
                )
            ).first()
        if row is None or code is None or not hmac.compare_digest(row.tracking_code, code):
            return _error(404, "APPLICATION_NOT_FOUND", NOT_FOUND_TR)
        institution = None
        if row.institution:
            known = kars().institutions.get(row.institution)
            institution = InstitutionView(code=row.institution, name=known.name if known else row.institution)
        return ApplicationStatus(
            application_number=row.application_number,
            stage=row.stage,
            stage_label=STAGE_LABELS_TR.get(row.stage, row.stage),
            institution=institution,
            deadline=_istanbul(row.due_at),
            received_at=_istanbul(row.received_at),
            updated_at=_istanbul(row.updated_at),
        )

    @router.get("/submissions/{submission_id}")
    async def submission_outcome(submission_id: str) -> Any:
        try:
            canonical = str(uuid.UUID(submission_id))
        except ValueError:
            return _error(400, "SUBMISSION_ID_INVALID", SUBMISSION_ID_INVALID_TR)
        async with runtime.read_engine.connect() as connection:
            row = (
                await connection.execute(
                    sa.select(submissions).where(submissions.c.submission_id == canonical)
                )
            ).first()
        if row is None:
            return _error(404, "SUBMISSION_NOT_PROCESSED", SUBMISSION_NOT_FOUND_TR)
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
