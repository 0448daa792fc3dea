"""Halk Günü meetings at the desk API: POST /api/v1/desk/meetings records one (Idempotency-Key),
GET /api/v1/desk/meetings?year= reports them with the figures counted from the log (meetings,
citizens who attended, applications received), GET /api/v1/desk/meetings/{id} one with its
applications' numbers."""

from __future__ import annotations

import hashlib
import uuid
from datetime import date
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Path, Query, Security
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, StrictInt

from acikkapi_shared.gateway import KEY_REUSED_TR, IdempotencyKeyReused
from acikkapi_shared.http_errors import ERROR_RESPONSES, error_answer
from acikkapi_shared.runtime import ServiceRuntime
from acikkapi_shared.staff.http import requires
from acikkapi_shared.staff.identity import Role, StaffIdentity
from intake.domain.meetings import RecordMeeting, meeting_stream, meetings
from intake.entrypoints.desk import DeskCaller, bearer, key_required, refused
from intake.projections import meeting_applications
from intake.projections import meetings as meeting_rows

# Who reads the meetings and their figures: the office, its supervisors and the auditors.
DESK_READERS = (Role.OFFICE_OFFICER, Role.OFFICE_REVIEWER, Role.SUPERVISOR, Role.AUDITOR)
MEETING_NOT_FOUND_TR = "Bu numarayla kayıtlı bir Halk Günü toplantısı yok."
_IDS = uuid.UUID("0d7a4c1e-93b2-4f6e-8a15-5b3c2e7f9a60")  # namespace of meeting ids


class MeetingBody(BaseModel):
    """A Halk Günü meeting: its date, who chaired it, where, how many citizens attended."""

    held_on: date
    chair: Annotated[str, Field(max_length=2000)]
    place: Annotated[str, Field(max_length=2000)]
    attendee_count: StrictInt  # a JSON integer: true is not one attendee


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

    @router.post("", status_code=201, response_model=MeetingAnswer)
    async def record_meeting(body: MeetingBody, call: DeskCaller) -> Any:
        """Records a Halk Günü meeting; its id links the applications received there."""
        if not call.idempotency_key:
            return key_required()
        context = call.context("desk-meeting", runtime.gateway.clock.now())
        meeting_id = str(uuid.uuid5(_IDS, str(context.idempotency_key)))
        command = RecordMeeting(
            body.held_on, body.chair, body.place, body.attendee_count, context.occurred_at
        )
        fingerprint = hashlib.sha256(body.model_dump_json().encode()).hexdigest()
        try:
            outcome = await runtime.gateway.handle(
                meetings, meeting_stream(meeting_id), command, context, fingerprint=fingerprint
            )
        except IdempotencyKeyReused:
            return error_answer(409, "IDEMPOTENCY_KEY_REUSED", KEY_REUSED_TR)
        if outcome.rejection is not None:
            return refused(outcome.rejection)
        (recorded,) = [event.payload for event in outcome.events]
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
        """One meeting and the numbers of the applications received at it."""
        found = await _meetings(runtime, None, meeting_id)
        if not found:
            return error_answer(404, "MEETING_NOT_FOUND", MEETING_NOT_FOUND_TR)
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


async def _count(runtime: ServiceRuntime, meeting_id: str) -> int:
    items = await _meetings(runtime, None, meeting_id)
    return items[0].applications if items else 0
