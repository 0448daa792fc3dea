"""The applicant's requests, with the application number and tracking code and an Idempotency-Key:
POST /api/v1/applications/{number}/information, /objection, /withdrawal.

Each runs through intake's command gateway once per key (a retry gets the first answer, never a
second effect) and, when intake's view of the stage allows it, records a public event the router
acts on (ApplicantSuppliedInformation, ApplicantObjected, ApplicantWithdrew).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict

from acikkapi_shared.commands import CommandContext
from acikkapi_shared.decider import CommandRejected
from acikkapi_shared.gateway import KEY_MISSING_TR, KEY_REUSED_TR, IdempotencyKeyReused
from acikkapi_shared.runtime import ServiceRuntime
from intake.domain.applicant_actions import action_text
from intake.domain.application import (
    ObjectToConclusion,
    SupplyInformation,
    WithdrawApplication,
    applications,
)
from intake.domain.application_model import ApplicantAction
from intake.domain.problems import FIELD_LABELS_TR
from intake.entrypoints.access import (
    CITIZEN_RESPONSES,
    Access,
    Attempt,
    error,
    find_tracked,
    presented_code,
)
from intake.entrypoints.json_body import REPEATED_TR, repeated_problems
from intake.tracking_page.limiter import FailureLimiter

APPLICANT_ACTOR = "applicant:tracking-code"
# Refusals about the text itself (422; perform checks it before the gateway, but a key recorded with
# one before that still replays it); every other refusal is about the stage (409).
_TEXT_CODES = frozenset({"FIELD_MISSING", "FIELD_NOT_TEXT", "TEXT_TOO_SHORT", "TEXT_TOO_LONG"})

ACCEPTED_TR = {
    "information": "Gönderdiğiniz bilgi alındı; kuruma iletilecek.",
    "objection": "İtirazınız alındı; başvurunuz yeniden değerlendirilecek.",
    "withdrawal": "Başvurunuzu geri çekme isteğiniz alındı.",
}


# A text left out or null is an empty one: the decider answers 422 FIELD_MISSING naming the field, in
# Turkish, as for a blank text (not the framework's generic INVALID_REQUEST).
class _ApplicantBody(BaseModel):
    """A body of the applicant's requests: an unknown key is named (422 INVALID_REQUEST), never ignored."""

    model_config = ConfigDict(extra="forbid")


class InformationBody(_ApplicantBody):
    """The information the institution asked for (required)."""

    text: str | None = None


class ObjectionBody(_ApplicantBody):
    """Why the applicant objects to the conclusion (required)."""

    reason: str | None = None


class WithdrawalBody(_ApplicantBody):
    """Why the applicant withdraws (optional)."""

    reason: str | None = None


class ActionAccepted(BaseModel):
    """The request was recorded; replayed: the key was used before and nothing more was done."""

    application_number: str
    action: str
    message: str
    replayed: bool


@dataclass(frozen=True)
class RequestHeaders:
    """What every applicant request carries besides its body."""

    tracking_code: str
    idempotency_key: str | None
    request_id: str | None


def request_headers(
    tracking_code: Annotated[str, Query(max_length=64)] = "",
    x_tracking_code: Annotated[str | None, Header(max_length=64)] = None,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
    x_request_id: Annotated[str | None, Header(max_length=200)] = None,
) -> RequestHeaders:
    """Returns the tracking code (header X-Tracking-Code or query tracking_code), key and request id."""
    return RequestHeaders(presented_code(x_tracking_code, tracking_code), idempotency_key, x_request_id)


Headers = Annotated[RequestHeaders, Depends(request_headers)]


@dataclass(frozen=True)
class ActionAnswer:
    """What an applicant's request came to: accepted (code None) or refused with a stable code."""

    status: int
    code: str | None
    message_tr: str
    field: str | None = None
    replayed: bool = False


async def perform(
    runtime: ServiceRuntime,
    found: Access,
    action: str,
    command: ApplicantAction,
    idempotency_key: str,
    request_id: str | None,
) -> ActionAnswer:
    """Runs the applicant's request on a tracked application through intake's command gateway, once
    per key (the API and the tracking page both come here).

    A text to correct is refused (422) before the gateway, as the desk and Open311 check their fields:
    nothing is recorded, so the key (the page's form) stays free for the corrected request. What the
    stage refuses (409) is the decider's answer, recorded with the key like the desk's and Open311's
    refusals: a retry with the key gets it again, the key with another body IDEMPOTENCY_KEY_REUSED."""
    try:
        action_text(command)
    except CommandRejected as invalid:
        return ActionAnswer(422, invalid.code, invalid.message_tr, invalid.field)
    canonical = str(found.row.application_number)
    context = CommandContext(
        occurred_at=runtime.gateway.clock.now(),
        actor=APPLICANT_ACTOR,
        correlation_id=canonical,
        # Keys are the applicant's own: two applicants' same key are two requests.
        idempotency_key=f"applicant:{canonical}:{idempotency_key}",
        request_id=request_id,
    )
    try:
        outcome = await runtime.gateway.handle(
            applications, canonical, command, context, fingerprint=_fingerprint(action, command)
        )
    except IdempotencyKeyReused:
        return ActionAnswer(409, "IDEMPOTENCY_KEY_REUSED", KEY_REUSED_TR)
    if outcome.rejection is not None:
        refused = outcome.rejection
        status = 422 if refused.code in _TEXT_CODES else 409
        return ActionAnswer(status, refused.code, refused.message_tr, refused.field)
    return ActionAnswer(202, None, ACCEPTED_TR[action], replayed=outcome.replayed)


def actions_router(runtime: ServiceRuntime, limiter: FailureLimiter) -> APIRouter:
    """Returns the applicant's request routes, writing through intake's command gateway."""
    router = APIRouter(prefix="/api/v1/applications", tags=["citizens"], responses=CITIZEN_RESPONSES)

    async def act(
        request: Request, number: str, headers: RequestHeaders, action: str, command: ApplicantAction
    ) -> Any:
        attempt = Attempt(limiter, client_address(request), runtime.gateway.clock.now())
        found = await find_tracked(runtime, number, headers.tracking_code, attempt)
        if isinstance(found, JSONResponse):
            return found
        if not headers.idempotency_key:
            return error(400, "IDEMPOTENCY_KEY_REQUIRED", KEY_MISSING_TR, "Idempotency-Key")
        # {"text": "…", "text": "…"} is read keeping the last: refused as on the desk, not guessed.
        for repeated in repeated_problems(await request.body())[:1]:
            label = FIELD_LABELS_TR.get(f"{action}_{repeated.field}")  # "Geri çekme gerekçesi", not "reason"
            message = REPEATED_TR.format(label=label) if label else repeated.message_tr
            return error(422, repeated.code, message, repeated.field)
        done = await perform(runtime, found, action, command, headers.idempotency_key, headers.request_id)
        if done.code is not None:
            return error(done.status, done.code, done.message_tr, done.field)
        answer = ActionAccepted(
            application_number=str(found.row.application_number),
            action=action,
            message=done.message_tr,
            replayed=done.replayed,
        )
        return JSONResponse(answer.model_dump(), status_code=202)

    @router.post("/{number}/information", status_code=202, response_model=ActionAccepted)
    async def supply_information(
        request: Request, number: str, headers: Headers, body: InformationBody | None = None
    ) -> Any:
        """The information the institution asked for (only while it is asked for)."""
        text = _given(body.text if body else None)
        return await act(request, number, headers, "information", SupplyInformation(text))

    @router.post("/{number}/objection", status_code=202, response_model=ActionAccepted)
    async def object_to_conclusion(
        request: Request, number: str, headers: Headers, body: ObjectionBody | None = None
    ) -> Any:
        """An objection to the conclusion (only once concluded)."""
        reason = _given(body.reason if body else None)
        return await act(request, number, headers, "objection", ObjectToConclusion(reason))

    @router.post("/{number}/withdrawal", status_code=202, response_model=ActionAccepted)
    async def withdraw(
        request: Request, number: str, headers: Headers, body: WithdrawalBody | None = None
    ) -> Any:
        """Withdraw the application (only while it is open)."""
        reason = _given(body.reason if body else None)
        return await act(request, number, headers, "withdrawal", WithdrawApplication(reason))

    return router


def client_address(request: Request) -> str:
    """Returns the address the failure limiter counts the request's client by (the TCP peer: behind a
    reverse proxy, that proxy; see README)."""
    return request.client.host if request.client else "unknown"


def _given(text: str | None) -> str:
    """Returns the text of a body, "" when it was left out or null."""
    return "" if text is None else text


def _fingerprint(action: str, command: ApplicantAction) -> str:
    """Returns a digest of the request: the same key for another request is refused."""
    document = {"action": action, "command": dataclasses.asdict(command)}
    return hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()
