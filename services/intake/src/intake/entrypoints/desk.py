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
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, Security
from fastapi.responses import JSONResponse
from fastapi.security import HTTPBearer
from pydantic import BaseModel, ConfigDict, Field

from acikkapi_shared.commands import CommandContext, CommandRunner
from acikkapi_shared.decider import CommandRejected, fold
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
from intake.domain.meeting_fields import ISTANBUL, canonical_meeting_id
from intake.domain.meetings import (
    LinkApplication,
    Meeting,
    check_link,
    desk_problems,
    meeting_stream,
    meetings,
)
from intake.domain.place import ATTACHMENTS_MAX, LOCATION_KEYS
from intake.domain.problems import FieldInvalid, SubmissionInvalid, ValidationProblem, unknown_fields
from intake.domain.reference_codes import resolve_code
from intake.domain.submission import ApplicantV1, ValidSubmission, validate_submission
from intake.domain.tracking_code import TokenBytes, new_tracking_code
from intake.entrypoints.consumers import SUBSTANCE
from intake.entrypoints.desk_problems import InvalidRequest, as_received_at, invalid_answer
from intake.entrypoints.json_body import RepeatedKeys
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

    # Another key is refused (FIELD_UNKNOWN, among the other problems), not ignored: it is read here so
    # that every problem is named in one answer, and documented as not allowed.
    model_config = ConfigDict(extra="allow", json_schema_extra={"additionalProperties": False})

    channel: Any = None  # DESK, PHONE, EMAIL or HALK_GUNU
    applicant: Any = None  # {name, phone, tckn?, identity_hidden?, sms_refused?}, nothing else
    topic: Any = None
    type: Any = None
    district: Any = None
    text: Any = None
    address: Annotated[Any, Field(description="Optional: 3-300 characters.")] = None
    location: Annotated[
        Any, Field(description='Optional: {"lat": …, "long": …} in decimal degrees, inside Kars.')
    ] = None
    attachments: Annotated[
        Any, Field(description=f"Optional: at most {ATTACHMENTS_MAX} absolute http/https URLs.")
    ] = None
    received_at: Any = None  # ISO 8601 with an offset
    meeting_id: Any = None


class DeskApplicationAnswer(BaseModel):
    """The registered application: its number and the tracking code to hand to the applicant."""

    application_number: str
    tracking_code: str
    channel: str
    meeting_id: str | None
    replayed: bool


DESK_RESPONSES: dict[int | str, dict[str, Any]] = {
    **ERROR_RESPONSES,
    422: {"model": InvalidRequest | ErrorAnswer, "description": "Fields to correct, each named."},
}


def desk_router(runtime: ServiceRuntime, token_bytes: TokenBytes, max_receipt_age: timedelta) -> APIRouter:
    """Returns the desk's application route, writing through intake's command gateway."""
    router = APIRouter(
        prefix="/api/v1/desk", tags=["desk"], responses=DESK_RESPONSES, dependencies=[Security(bearer)]
    )

    @router.post("/applications", status_code=201, response_model=DeskApplicationAnswer)
    async def enter_application(
        body: Annotated[DeskApplicationBody, Body()], call: DeskCaller, repeated: RepeatedKeys
    ) -> Any:
        """Registers an application received at the desk, by phone, by e-mail or at a Halk Günü."""
        if not call.idempotency_key:
            return key_required()
        context = call.context("desk", runtime.gateway.clock.now())
        now, key = context.occurred_at, str(context.idempotency_key)
        meeting_id = canonical_meeting_id(body.meeting_id)
        problems: list[ValidationProblem] = list(repeated)  # a value to guess is refused first
        submission: ValidSubmission | None = None
        try:
            submission = validate_submission(_raw(body, key, now), now=now, max_age=max_receipt_age)
        except SubmissionInvalid as invalid:
            problems.extend(as_received_at(invalid.problems, max_receipt_age))
        problems.extend(await _meeting_problems(runtime, body, meeting_id, now))
        problems.extend(_unknown_fields(body))
        if problems or submission is None:
            return invalid_answer("APPLICATION_INVALID", INVALID_TR, problems)
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
        rejection = outcome.rejection
        if rejection is not None and rejection.field:  # the meeting's own decision, in the same shape
            found = ValidationProblem(rejection.code, rejection.field, rejection.message_tr)
            return invalid_answer("APPLICATION_INVALID", INVALID_TR, [found])
        if rejection is not None:
            return refused(rejection)
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


def _raw(body: DeskApplicationBody, key: str, now: datetime) -> dict[str, Any]:
    """Returns the body as the portal's validation module reads a submission."""
    given = {name: getattr(body, name) for name in SUBSTANCE}  # the portal's fields, as they came
    received_at = _received_at(body)
    return {
        "submission_id": str(uuid.uuid5(_KEYS, key)),
        "submitted_at": received_at if received_at is not None else now.isoformat(),
        # A field left out (or null) is missing, as on the portal: FIELD_MISSING, not FIELD_NOT_TEXT.
        **{name: value for name, value in given.items() if value is not None},
    }


def _received_at(body: DeskApplicationBody) -> object:
    """Returns the moment of receipt as given; None when not given: left out, null or blank (it is
    optional at the desk: now)."""
    given = body.received_at
    return None if given is None or (isinstance(given, str) and not given.strip()) else given


def _unknown_fields(body: DeskApplicationBody) -> list[ValidationProblem]:
    """Returns FIELD_UNKNOWN for each key that is no field of the desk's body, of its applicant or of
    its location."""
    found = unknown_fields(body.model_extra or {}, ())
    if isinstance(body.applicant, Mapping):
        found += unknown_fields(body.applicant, ApplicantV1.model_fields, prefix="applicant.")
    if isinstance(body.location, Mapping):
        found += unknown_fields(body.location, LOCATION_KEYS, prefix="location.")
    return found


async def _meeting_problems(
    runtime: ServiceRuntime, body: DeskApplicationBody, meeting_id: str | None, now: datetime
) -> list[ValidationProblem]:
    """Returns what is wrong with the channel and the meeting: the meeting is looked up in the log and
    asked, as the link will ask it, whether it takes an application received then."""
    given = body.meeting_id not in (None, "")
    problems = desk_problems(_channel(body.channel), given)
    if not given or any(p.field == "meeting_id" for p in problems):
        return problems
    if meeting_id is None:  # it cannot be a meeting's id: no meeting is recorded under it
        state = meetings.initial(meeting_stream(""))
    else:
        state = await _folded(runtime, meeting_stream(meeting_id))
    try:
        check_link(state, _received_moment(_received_at(body), now))
    except CommandRejected as rejected:
        problems.append(ValidationProblem(rejected.code, rejected.field or "meeting_id", rejected.message_tr))
    return problems


async def _folded(runtime: ServiceRuntime, stream: str) -> Meeting:
    async with runtime.read_engine.connect() as connection:
        recorded = await runtime.store.load_stream(connection, stream)
    decoded = [meetings.events.decode(e.type, e.schema_version, e.payload) for e in recorded]
    return fold(meetings, stream, decoded)


def _received_moment(value: object, now: datetime) -> datetime | None:
    """Returns the moment of receipt given (now when none), None when it cannot be read (the validation
    module names that)."""
    if value is None:
        return now
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
        # In Istanbul, as the meeting's day is: a moment at datetime's edge cannot be put there.
        return moment.astimezone(ISTANBUL) if moment.utcoffset() is not None else None
    except (ValueError, OverflowError):
        return None


def _channel(value: object) -> str | None:
    """Returns the channel's code, or None when the validation module has refused it already."""
    try:
        return resolve_code(value, field="channel", reference=kars()) if isinstance(value, str) else None
    except FieldInvalid:
        return None


def _fingerprint(body: DeskApplicationBody) -> str:
    """Returns a digest of the request: the same key for another request is refused."""
    document = json.dumps(body.model_dump(mode="json"), sort_keys=True, default=str)
    return hashlib.sha256(document.encode()).hexdigest()
