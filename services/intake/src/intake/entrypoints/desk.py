"""The desk: office staff enter applications received face to face, by phone, by e-mail or at a Halk
Günü meeting (POST /api/v1/desk/applications), with a staff bearer token and an Idempotency-Key.

The body is validated by the portal's own validation module (domain/submission.py) and registered on
the portal's command path (registration.py), in one transaction with its link to the meeting, once per
key of the caller: a retry gets the same number, never a second application. Meetings: desk_meetings.py.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, Security
from fastapi.responses import JSONResponse
from fastapi.security import HTTPBearer
from pydantic import BaseModel, ConfigDict

from acikkapi_shared.commands import CommandContext, CommandRunner
from acikkapi_shared.gateway import (
    KEY_MISSING_TR,
    KEY_REUSED_TR,
    CommandOutcome,
    IdempotencyKeyReused,
    Rejection,
)
from acikkapi_shared.http_errors import ERROR_RESPONSES, ErrorAnswer, error_answer
from acikkapi_shared.reference import kars
from acikkapi_shared.runtime import ServiceRuntime
from acikkapi_shared.staff.http import requires
from acikkapi_shared.staff.identity import Role, StaffIdentity
from intake.domain.meetings import LinkApplication, desk_problems, meeting_stream, meetings
from intake.domain.numbers import TokenBytes, new_tracking_code
from intake.domain.problems import FieldInvalid, SubmissionInvalid, ValidationProblem
from intake.domain.reference_codes import resolve_code
from intake.domain.submission import ValidSubmission, validate_submission
from intake.registration import register_submission

# Who enters applications and records meetings: the office's officers and their supervisors.
DESK_WRITERS = (Role.OFFICE_OFFICER, Role.SUPERVISOR)
INVALID_TR = "Başvuru kaydedilemedi; lütfen işaretlenen alanları düzeltin."
# Documents `Authorization: Bearer <token>` in OpenAPI; acikkapi_shared.staff.http checks the token.
bearer = HTTPBearer(auto_error=False, description="A staff token (JWT) of the identity provider.")
_KEYS = uuid.UUID("6f0e8c3a-2d4b-4c55-9a71-0c2f5e9b1d47")  # namespace of desk submission ids


@dataclass(frozen=True)
class DeskCall:
    """Who writes at the desk, under which key (scoped to the caller) and request id."""

    staff: StaffIdentity
    idempotency_key: str | None
    request_id: str | None

    def context(self, scope: str, now: datetime) -> CommandContext:
        """Returns the command context; the key is `<scope>:<subject>:<the caller's key>`."""
        actor = f"staff:{self.staff.subject}"
        key = f"{scope}:{self.staff.subject}:{self.idempotency_key}"
        return CommandContext(occurred_at=now, actor=actor, idempotency_key=key, request_id=self.request_id)


def desk_call(
    staff: Annotated[StaffIdentity, Depends(requires(*DESK_WRITERS))],
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
    x_request_id: Annotated[str | None, Header(max_length=200)] = None,
) -> DeskCall:
    """Returns the caller of a desk command (401/403 unless an office officer or a supervisor)."""
    return DeskCall(staff, idempotency_key, x_request_id)


DeskCaller = Annotated[DeskCall, Depends(desk_call)]


def key_required() -> JSONResponse:
    """Returns the 400 of a command without an Idempotency-Key."""
    return error_answer(400, "IDEMPOTENCY_KEY_REQUIRED", KEY_MISSING_TR, "Idempotency-Key")


def refused(rejection: Rejection) -> JSONResponse:
    """Returns a domain rejection's answer: 422 when it names a field, else 409."""
    status = 422 if rejection.field else 409
    return error_answer(status, rejection.code, rejection.message_tr, rejection.field)


class DeskApplicationBody(BaseModel):
    """An application as the desk enters it: the portal's fields, the channel, and the meeting it was
    received at (Halk Günü only). received_at defaults to now. Checked by the validation module."""

    model_config = ConfigDict(extra="ignore")

    channel: Any = None  # DESK, PHONE, EMAIL or HALK_GUNU
    applicant: Any = None  # {name, phone, tckn?, identity_hidden?, sms_refused?}
    topic: Any = None
    type: Any = None
    district: Any = None
    text: Any = None
    received_at: Any = None  # ISO 8601 with an offset
    meeting_id: Any = None


class DeskApplicationAnswer(BaseModel):
    """The registered application: its number and the tracking code to hand to the applicant."""

    application_number: str
    tracking_code: str
    channel: str
    meeting_id: str | None
    replayed: bool


class ProblemView(BaseModel):
    code: str
    field: str
    message: str


class InvalidDetail(BaseModel):
    code: str
    message: str
    field: str | None
    problems: list[ProblemView]


class InvalidApplication(BaseModel):
    """422: the one error shape, with every problem of the application listed."""

    error: InvalidDetail


DESK_RESPONSES: dict[int | str, dict[str, Any]] = {
    **ERROR_RESPONSES,
    422: {"model": InvalidApplication | ErrorAnswer, "description": "Fields to correct, each named."},
}


def desk_router(runtime: ServiceRuntime, token_bytes: TokenBytes, max_receipt_age: timedelta) -> APIRouter:
    """Returns the desk's application route, writing through intake's command gateway."""
    router = APIRouter(
        prefix="/api/v1/desk", tags=["desk"], responses=DESK_RESPONSES, dependencies=[Security(bearer)]
    )

    @router.post("/applications", status_code=201, response_model=DeskApplicationAnswer)
    async def enter_application(body: Annotated[DeskApplicationBody, Body()], call: DeskCaller) -> Any:
        """Registers an application received at the desk, by phone, by e-mail or at a Halk Günü."""
        if not call.idempotency_key:
            return key_required()
        context = call.context("desk", runtime.gateway.clock.now())
        now, key = context.occurred_at, str(context.idempotency_key)
        meeting_id = _meeting_id(body.meeting_id)
        given_fields = {
            "channel": body.channel,
            "applicant": body.applicant,
            "topic": body.topic,
            "type": body.type,
            "district": body.district,
            "text": body.text,
        }
        raw = {
            "submission_id": str(uuid.uuid5(_KEYS, key)),
            "submitted_at": body.received_at if body.received_at is not None else now.isoformat(),
            # A field left out (or null) is missing, as on the portal: FIELD_MISSING, not FIELD_NOT_TEXT.
            **{name: value for name, value in given_fields.items() if value is not None},
        }
        problems: list[ValidationProblem] = []
        submission: ValidSubmission | None = None
        try:
            submission = validate_submission(raw, now=now, max_age=max_receipt_age)
        except SubmissionInvalid as invalid:
            problems.extend(invalid.problems)
        given = body.meeting_id not in (None, "")
        problems.extend(desk_problems(_channel(body.channel), given))
        if given and meeting_id is None and all(p.field != "meeting_id" for p in problems):
            problems.append(_meeting_unknown())
        if problems or submission is None:
            return _invalid(problems)
        valid = submission

        async def register(commands: CommandRunner) -> None:
            number = await register_submission(
                commands, valid, new_tracking_code(token_bytes), actor=context.actor
            )
            if meeting_id is not None:
                link = LinkApplication(number, valid.submitted_at)
                await commands.execute(meetings, meeting_stream(meeting_id), link, correlation_id=number)

        try:
            outcome = await runtime.gateway.handle_run(
                register, context, source="desk_application", fingerprint=_fingerprint(body)
            )
        except IdempotencyKeyReused:
            return error_answer(409, "IDEMPOTENCY_KEY_REUSED", KEY_REUSED_TR)
        if outcome.rejection is not None:
            return refused(outcome.rejection)
        return JSONResponse(_answer(outcome, meeting_id).model_dump(), status_code=201)

    return router


def _answer(outcome: CommandOutcome, meeting_id: str | None) -> DeskApplicationAnswer:
    (registered,) = [event.payload for event in outcome.events if event.type == "ApplicationRegistered"]
    return DeskApplicationAnswer(
        application_number=registered["application_number"],
        tracking_code=registered["tracking_code"],
        channel=registered["channel"],
        meeting_id=meeting_id,
        replayed=outcome.replayed,
    )


def _meeting_id(value: object) -> str | None:
    """Returns the canonical meeting id, or None when there is none or it cannot be one."""
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:
        return None


def _meeting_unknown() -> ValidationProblem:
    return ValidationProblem(
        code="MEETING_NOT_FOUND",
        field="meeting_id",
        message_tr="Bu numarayla kayıtlı bir Halk Günü toplantısı yok.",
    )


def _channel(value: object) -> str | None:
    """Returns the channel's code, or None when the validation module has refused it already."""
    try:
        return resolve_code(value, field="channel", reference=kars()) if isinstance(value, str) else None
    except FieldInvalid:
        return None


# The portal's words for its submitted_at ask the citizen to send the form again; the desk's staff typed
# the moment of receipt themselves.
RECEIVED_AT_TR = {
    "SUBMITTED_AT_INVALID": (
        "Alınma zamanı okunamadı: ISO 8601 biçiminde yazılmalıdır (örneğin 2026-05-20T14:30:00+03:00)."
    ),
    "SUBMITTED_AT_NO_OFFSET": "Alınma zamanında saat dilimi eksik (örneğin +03:00).",
    "SUBMITTED_AT_OUT_OF_RANGE": "Alınma zamanı çok eski ya da ileri bir tarih olamaz.",
}


def _invalid(problems: Sequence[ValidationProblem]) -> JSONResponse:
    """Returns the 422 listing every problem (submitted_at is the desk's received_at)."""
    shown = [
        ProblemView(
            code=p.code,
            field="received_at" if p.field == "submitted_at" else p.field,
            message=RECEIVED_AT_TR.get(p.code, p.message_tr) if p.field == "submitted_at" else p.message_tr,
        )
        for p in problems
    ]
    detail = InvalidDetail(
        code="APPLICATION_INVALID",
        message=INVALID_TR,
        field=shown[0].field if shown else None,
        problems=shown,
    )
    return JSONResponse(InvalidApplication(error=detail).model_dump(), status_code=422)


def _fingerprint(body: DeskApplicationBody) -> str:
    """Returns a digest of the request: the same key for another request is refused."""
    document = json.dumps(body.model_dump(mode="json"), sort_keys=True, default=str)
    return hashlib.sha256(document.encode()).hexdigest()
