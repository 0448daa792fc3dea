"""The office's view of likely duplicates (domain/duplicates.py): which application resembles which
earlier one of the same applicant, for staff with a bearer token (office roles and the auditor)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query, Security
from pydantic import BaseModel

from acikkapi_shared.application_numbers import InvalidApplicationNumber, parse_application_number
from acikkapi_shared.http_errors import ERROR_RESPONSES, error_answer
from acikkapi_shared.runtime import ServiceRuntime
from acikkapi_shared.staff.http import requires
from acikkapi_shared.staff.identity import Role, StaffIdentity
from intake.entrypoints.desk import bearer
from intake.entrypoints.timeline_view import istanbul_at
from intake.projections import likely_duplicates

READERS = (Role.OFFICE_OFFICER, Role.OFFICE_REVIEWER, Role.SUPERVISOR, Role.AUDITOR)


class LikelyDuplicate(BaseModel):
    """A later application linked to the earlier one it resembles (both stay registered)."""

    application_number: str
    earlier_application_number: str
    matched_on: str
    similarity: float
    flagged_at: datetime


def office_router(runtime: ServiceRuntime) -> APIRouter:
    """Returns the office's read-only routes of intake."""
    # The bearer scheme is read by the staff check itself; declared here so OpenAPI shows it.
    responses: dict[int | str, dict[str, Any]] = {s: ERROR_RESPONSES[s] for s in (400, 401, 403, 422)}
    router = APIRouter(
        prefix="/api/v1/office", tags=["office"], responses=responses, dependencies=[Security(bearer)]
    )

    @router.get("/duplicates", response_model=list[LikelyDuplicate])
    async def duplicates(
        _staff: Annotated[StaffIdentity, Depends(requires(*READERS))],
        application_number: Annotated[str | None, Query(max_length=64)] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> Any:
        """The latest flags first; application_number: those of one application (either side), read as
        the citizen API reads it (any case, blanks and dashes); one that cannot be a number is a 400."""
        query = sa.select(likely_duplicates)
        if application_number:
            try:
                number = str(parse_application_number(application_number))
            except InvalidApplicationNumber as invalid:
                return error_answer(400, invalid.code, invalid.message_tr, "application_number")
            table = likely_duplicates.c
            query = query.where(
                sa.or_(
                    table.application_number == number,
                    table.earlier_application_number == number,
                )
            )
        query = query.order_by(likely_duplicates.c.flagged_at.desc()).limit(limit)
        async with runtime.read_engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        # In Istanbul time, as every other answer of intake (the read model keeps UTC).
        return [
            LikelyDuplicate.model_validate({**row._asdict(), "flagged_at": istanbul_at(row.flagged_at)})
            for row in rows
        ]

    return router
