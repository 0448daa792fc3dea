"""The notifier's operations API: re-drive failed SMS (POST /api/v1/sms/redrive, Idempotency-Key).

Staff only: a bearer token of an office officer or a supervisor (acikkapi_shared.staff); the re-drive is
recorded under the caller's subject. A body with an unknown key is a 422 INVALID_REQUEST naming it, one
that gives a key twice a 422 FIELD_REPEATED (after the token's checks), as the router's commands.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from acikkapi_shared.gateway import KEY_MISSING_TR, KEY_REUSED_TR, CommandGateway, IdempotencyKeyReused
from acikkapi_shared.http_errors import ERROR_RESPONSES, error_answer, refuse_repeated_keys
from acikkapi_shared.staff.http import requires
from acikkapi_shared.staff.identity import Role, StaffIdentity
from notifier.redrive import RedriveSelection, redrive, redriven_ids

SELECTION_MISSING_TR = "request_event_ids veya failed_since alanlarından en az biri gereklidir."

# Who may send failed SMS again: the office that answers applicants, and its supervisors.
REDRIVE_ROLES = (Role.OFFICE_OFFICER, Role.SUPERVISOR)


class RedriveRequest(BaseModel):
    """Which failed SMS to send again: these intents (SmsRequested event ids) and/or those failed since.
    Unknown fields are refused (422 naming them), not ignored."""

    model_config = ConfigDict(extra="forbid")

    request_event_ids: Annotated[list[str], Field(max_length=10_000)] | None = None
    failed_since: AwareDatetime | None = None


class RedriveAnswer(BaseModel):
    """The SMS put back to be sent; replayed when the key was used before (nothing more was done)."""

    redriven: list[str]
    count: int
    replayed: bool


def sms_router(gateway: CommandGateway) -> APIRouter:
    """Returns the SMS operations routes, writing through the service's command gateway."""
    # A key given twice in the body is refused (FIELD_REPEATED, after the staff checks).
    router = APIRouter(
        prefix="/api/v1/sms",
        tags=["operations"],
        responses=ERROR_RESPONSES,
        dependencies=[Depends(refuse_repeated_keys)],
    )

    @router.post("/redrive", response_model=RedriveAnswer)
    async def redrive_failed(
        request: RedriveRequest,
        staff: Annotated[StaffIdentity, Depends(requires(*REDRIVE_ROLES))],
        idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
        x_request_id: Annotated[str | None, Header(max_length=200)] = None,
    ) -> Any:
        if not idempotency_key:
            return error_answer(400, "IDEMPOTENCY_KEY_REQUIRED", KEY_MISSING_TR)
        try:
            selection = RedriveSelection(
                request_event_ids=None
                if request.request_event_ids is None
                else tuple(request.request_event_ids),
                failed_since=request.failed_since,
            )
        except ValueError:
            return error_answer(422, "REDRIVE_SELECTION_REQUIRED", SELECTION_MISSING_TR)
        try:
            outcome = await redrive(
                gateway,
                selection,
                idempotency_key=idempotency_key,
                actor=f"staff:{staff.subject}",
                request_id=x_request_id,
            )
        except IdempotencyKeyReused:
            return error_answer(409, "IDEMPOTENCY_KEY_REUSED", KEY_REUSED_TR)
        redriven = list(redriven_ids(outcome))
        return RedriveAnswer(redriven=redriven, count=len(redriven), replayed=outcome.replayed)

    return router
