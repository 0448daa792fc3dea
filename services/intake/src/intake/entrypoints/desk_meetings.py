"""Halk Günü meetings at the desk API: POST /api/v1/desk/meetings records one (Idempotency-Key; the
same day, chair and place recorded already, under any key: 409 MEETING_ALREADY_RECORDED naming it),
GET /api/v1/desk/meetings?year= reports them with the figures counted from the log (meetings,
citizens who attended, applications received), GET /api/v1/desk/meetings/{id} one with its
applications' numbers."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Path, Query, Security
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from acikkapi_shared.gateway import KEY_REUSED_TR, IdempotencyKeyReused
from acikkapi_shared.http_errors import ERROR_RESPONSES, ErrorAnswer, ErrorDetail, error_answer
from acikkapi_shared.runtime import ServiceRuntime
from acikkapi_shared.staff.http import requires
from acikkapi_shared.staff.identity import Role, StaffIdentity
from intake.domain.meeting_fields import (
    ATTENDEES_MAX,
    NAME_MAX_LEN,
    canonical_meeting_id,
    meeting_id_of,
    read_meeting,
)
from intake.domain.meetings import MEETING_NOT_FOUND_TR, meeting_stream, meetings
from intake.domain.problems import SubmissionInvalid, ValidationProblem
from intake.entrypoints.desk import DeskCaller, bearer, key_required, refused
from intake.entrypoints.desk_problems import InvalidRequest, invalid_answer
from intake.entrypoints.json_body import RepeatedKeys
from intake.projections import meeting_applications
from intake.projections import meetings as meeting_rows

# Who reads the meetings and their figures: the office, its supervisors and the auditors.
DESK_READERS = (Role.OFFICE_OFFICER, Role.OFFICE_REVIEWER, Role.SUPERVISOR, Role.AUDITOR)
MEETING_INVALID_TR = "Toplantı kaydedilemedi; lütfen işaretlenen alanları düzeltin."


class MeetingBody(BaseModel):
    """A Halk Günü meeting: its date, who chaired it, where, how many citizens attended. All four are
    required; each is checked by domain/meeting_fields.py, which names every one at fault (and any
    other key: FIELD_UNKNOWN) in one answer."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"additionalProperties": False})

    held_on: Annotated[Any, Field(json_schema_extra={"type": "string", "format": "date"})] = None
    chair: Annotated[Any, Field(json_schema_extra={"type": "string", "maxLength": NAME_MAX_LEN})] = None
    place: Annotated[Any, Field(json_schema_extra={"type": "string", "maxLength": NAME_MAX_LEN})] = None
    # A JSON integer: true is not one attendee.
    attendee_count: Annotated[
        Any, Field(json_schema_extra={"type": "integer", "minimum": 1, "maximum": ATTENDEES_MAX})
    ] = None


class MeetingConflictDetail(ErrorDetail):
    meeting_id: str  # the meeting already recorded


class MeetingConflict(BaseModel):
    """409 MEETING_ALREADY_RECORDED: the meeting of that day, chair and place is recorded already."""

    error: MeetingConflictDetail


class MeetingView(BaseModel):
    meeting_id: str
    held_on: date
    chair: str
    place: str
    attendee_count: int
    applications: int  # applications received at it and registered


class MeetingAnswer(MeetingView):
    replayed: bool


class MeetingDetail(MeetingView):
    application_numbers: list[str]


class MeetingFigures(BaseModel):
    """The meetings of a year (or all), and what they add up to."""

    year: int | None
    meetings: int
    attendees: int
    applications: int
    items: list[MeetingView]


def meetings_router(runtime: ServiceRuntime) -> APIRouter:
    """Returns the meeting routes of the desk API."""
    router = APIRouter(
        prefix="/api/v1/desk/meetings",
        tags=["desk"],
        responses=ERROR_RESPONSES,
        dependencies=[Security(bearer)],
    )

    @router.post(
        "",
        status_code=201,
        response_model=MeetingAnswer,
        responses={
            409: {"model": MeetingConflict | ErrorAnswer, "description": ERROR_RESPONSES[409]["description"]},
            422: {"model": InvalidRequest | ErrorAnswer, "description": "Fields to correct, each named."},
        },
    )
    async def record_meeting(body: MeetingBody, call: DeskCaller, repeated: RepeatedKeys) -> Any:
        """Records a Halk Günü meeting; its id links the applications received there."""
        if not call.idempotency_key:
            return key_required()
        context = call.context("desk-meeting", runtime.gateway.clock.now())
        problems = list(repeated)  # a value to guess is refused first
        try:
            command = read_meeting(body.model_dump(), context.occurred_at)
        except SubmissionInvalid as invalid:
            problems.extend(invalid.problems)
        if problems:
            return invalid_answer("MEETING_INVALID", MEETING_INVALID_TR, problems)
        meeting_id = meeting_id_of(command)  # the same meeting, whoever records it, is one stream
        fingerprint = hashlib.sha256(body.model_dump_json().encode()).hexdigest()
        try:
            outcome = await runtime.gateway.handle(
                meetings, meeting_stream(meeting_id), command, context, fingerprint=fingerprint
            )
        except IdempotencyKeyReused:
            return error_answer(409, "IDEMPOTENCY_KEY_REUSED", KEY_REUSED_TR)
        rejection = outcome.rejection
        if rejection is not None and rejection.code == "MEETING_ALREADY_RECORDED":
            return _already_recorded(meeting_id, rejection.message_tr)
        if rejection is not None and rejection.field:  # the decider's own check, in the same shape
            found = ValidationProblem(rejection.code, rejection.field, rejection.message_tr)
            return invalid_answer("MEETING_INVALID", MEETING_INVALID_TR, [found])
        if rejection is not None:
            return refused(rejection)
        (recorded,) = [event.payload for event in outcome.events]
        meeting_id = recorded["meeting_id"]  # a replay's: recorded under a key-derived id before
        answer = MeetingAnswer(
            meeting_id=meeting_id,
            held_on=recorded["held_on"],
            chair=recorded["chair"],
            place=recorded["place"],
            attendee_count=recorded["attendee_count"],
            applications=0 if not outcome.replayed else await _count(runtime, meeting_id),
            replayed=outcome.replayed,
        )
        return JSONResponse(answer.model_dump(mode="json"), status_code=201)

    @router.get("", response_model=MeetingFigures)
    async def meeting_figures(
        _staff: Annotated[StaffIdentity, Depends(requires(*DESK_READERS))],
        year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    ) -> MeetingFigures:
        """The meetings (of a year), each with its applications, and their totals."""
        items = await _meetings(runtime, year)
        return MeetingFigures(
            year=year,
            meetings=len(items),
            attendees=sum(item.attendee_count for item in items),
            applications=sum(item.applications for item in items),
            items=items,
        )

    @router.get("/{meeting_id}", response_model=MeetingDetail)
    async def meeting_detail(
        meeting_id: Annotated[str, Path(max_length=64)],
        _staff: Annotated[StaffIdentity, Depends(requires(*DESK_READERS))],
    ) -> Any:
        """One meeting and the numbers of the applications received at it (its id in any casing)."""
        canonical = canonical_meeting_id(meeting_id)
        found = [] if canonical is None else await _meetings(runtime, None, canonical)
        if not found:
            return error_answer(404, "MEETING_NOT_FOUND", MEETING_NOT_FOUND_TR)
        meeting_id = found[0].meeting_id
        async with runtime.read_engine.connect() as connection:
            query = (
                sa.select(meeting_applications.c.application_number)
                .where(meeting_applications.c.meeting_id == meeting_id)
                .order_by(meeting_applications.c.application_number)
            )
            numbers = list((await connection.execute(query)).scalars())
        return MeetingDetail(**found[0].model_dump(), application_numbers=numbers)

    return router


async def _meetings(
    runtime: ServiceRuntime, year: int | None, meeting_id: str | None = None
) -> list[MeetingView]:
    counted = (
        sa.select(meeting_applications.c.meeting_id, sa.func.count().label("applications"))
        .group_by(meeting_applications.c.meeting_id)
        .subquery()
    )
    query = (
        sa.select(meeting_rows, sa.func.coalesce(counted.c.applications, 0).label("applications"))
        .outerjoin(counted, counted.c.meeting_id == meeting_rows.c.meeting_id)
        .order_by(meeting_rows.c.held_on, meeting_rows.c.meeting_id)
    )
    if year is not None:
        query = query.where(meeting_rows.c.held_on.between(date(year, 1, 1), date(year, 12, 31)))
    if meeting_id is not None:
        query = query.where(meeting_rows.c.meeting_id == meeting_id)
    async with runtime.read_engine.connect() as connection:
        rows = (await connection.execute(query)).all()
    return [
        MeetingView(
            meeting_id=row.meeting_id,
            held_on=row.held_on,
            chair=row.chair,
            place=row.place,
            attendee_count=row.attendee_count,
            applications=row.applications,
        )
        for row in rows
    ]


def _already_recorded(meeting_id: str, message_tr: str) -> JSONResponse:
    detail = MeetingConflictDetail(code="MEETING_ALREADY_RECORDED", message=message_tr, meeting_id=meeting_id)
    return JSONResponse(MeetingConflict(error=detail).model_dump(), status_code=409)


async def _count(runtime: ServiceRuntime, meeting_id: str) -> int:
    items = await _meetings(runtime, None, meeting_id)
    return items[0].applications if items else 0
