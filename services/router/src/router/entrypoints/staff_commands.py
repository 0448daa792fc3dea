"""The staff commands on a case: POST /api/v1/cases/{number}/<command>, one per Case command.

Each runs through the command gateway once per Idempotency-Key (required; scoped to the caller, so
one member of staff's key never answers another's), the event metadata naming the actor
`staff:<subject>` and the X-Request-Id. The roles a command needs are checked first (403); then, in
the transaction that decides, whether the case exists and the caller may act on its institution:
an institution officer's command on another institution's case is a 404 like an unknown number, so
a number tells nobody that a case exists elsewhere, and nothing is recorded for it. A body that gives
a key twice is a 422 FIELD_REPEATED (once the token and roles are checked), one with an unknown key a
422 INVALID_REQUEST naming it; neither records anything or uses the Idempotency-Key.
"""

from __future__ import annotations

import hashlib
import inspect
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Depends, Header, Request, Security
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, BaseModel

from acikkapi_shared.commands import CommandContext, CommandRunner, command_name
from acikkapi_shared.decider import Decider
from acikkapi_shared.gateway import KEY_REUSED_TR, CommandGateway, CommandOutcome, IdempotencyKeyReused
from acikkapi_shared.http_errors import refuse_repeated_keys, route_template
from acikkapi_shared.staff.http import requires
from acikkapi_shared.staff.identity import StaffIdentity, may_act_on
from router.domain.case import Case
from router.domain.case_commands import CaseCommand
from router.domain.case_rules import Stage
from router.entrypoints.command_bodies import COMMANDS, CommandSpec
from router.entrypoints.http_common import (
    ERROR_RESPONSES,
    CaseNumber,
    ErrorAnswer,
    bearer,
    case_not_found,
    error,
)

log = structlog.get_logger(__name__)

IDEMPOTENCY_KEY_DOC = (
    "Required. One key per intended change: a retry with the same key and body gets the first answer "
    "and changes nothing; the same key with another body is a 409."
)


class RecordedEvent(BaseModel):
    """An event the command recorded."""

    event_id: str
    type: str
    stream_version: int
    occurred_at: AwareDatetime


class CommandAnswer(BaseModel):
    """What a command recorded (replayed: the key was used before, and this is that first answer)."""

    application_number: str
    events: list[RecordedEvent]
    replayed: bool


COMMAND_RESPONSES: dict[int | str, dict[str, object]] = {
    **ERROR_RESPONSES,
    400: {
        "model": ErrorAnswer,
        "description": "The Idempotency-Key header is missing, or the number cannot be one "
        "(APPLICATION_NUMBER_MALFORMED, APPLICATION_NUMBER_CHECK_FAILED).",
    },
    409: {"model": ErrorAnswer, "description": "Not in this stage (ILLEGAL_TRANSITION…), or the key reused."},
}


class CaseHidden(Exception):
    """The case does not exist, or the caller may not see it: nothing is decided or recorded."""


@dataclass(frozen=True)
class CaseCommands:
    """Runs staff commands on cases through the gateway."""

    gateway: CommandGateway
    cases: Decider[Case, CaseCommand]

    async def run(
        self,
        request: Request,
        spec: CommandSpec,
        number: str,
        body: BaseModel | None,
        staff: StaffIdentity,
        idempotency_key: str,
        request_id: str | None,
    ) -> JSONResponse:
        """Executes the command of spec for body on the case; returns the answer."""
        document = {} if body is None else body.model_dump(mode="json")
        command = spec.command(document)
        fingerprint = _fingerprint(spec.name, number, document)
        context = CommandContext(
            occurred_at=self.gateway.clock.now(),
            actor=f"staff:{staff.subject}",
            correlation_id=number,
            idempotency_key=f"staff:{staff.subject}:{idempotency_key}",
            request_id=request_id,
        )

        async def decide(commands: CommandRunner) -> None:
            folded = await commands.work.folded(self.cases, number)
            state: Case = folded.state
            if state.stage is Stage.NEW or not may_act_on(staff, str(state.institution)):
                raise CaseHidden
            await commands.execute(self.cases, number, command)

        try:
            outcome = await self.gateway.handle_run(
                decide, context, source=command_name(command), fingerprint=fingerprint
            )
        except CaseHidden:
            return case_not_found(request)
        except IdempotencyKeyReused:
            log.info("request_invalid", route=route_template(request), field="Idempotency-Key", kind="reused")
            return error(409, "IDEMPOTENCY_KEY_REUSED", KEY_REUSED_TR, "Idempotency-Key")
        answer = _answer(number, outcome)
        if request_id:
            answer.headers["X-Request-Id"] = request_id
        return answer


def _fingerprint(name: str, number: str, document: dict[str, Any]) -> str:
    text = json.dumps({"command": name, "case": number, "body": document}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _answer(number: str, outcome: CommandOutcome) -> JSONResponse:
    rejection = outcome.rejection
    if rejection is not None:
        status = 404 if rejection.code == "CASE_NOT_FOUND" else 422 if rejection.field else 409
        return error(status, rejection.code, rejection.message_tr, rejection.field)
    events = [
        RecordedEvent(
            event_id=str(event.event_id),
            type=event.type,
            stream_version=event.stream_version,
            occurred_at=event.occurred_at,
        )
        for event in outcome.events
    ]
    body = CommandAnswer(application_number=number, events=events, replayed=outcome.replayed)
    return JSONResponse(body.model_dump(mode="json"))


def _endpoint(runner: CaseCommands, spec: CommandSpec) -> Callable[..., Awaitable[JSONResponse]]:
    """Returns the route function of one command, its signature naming the body model and roles."""

    async def endpoint(
        request: Request,
        number: str,
        staff: StaffIdentity,
        idempotency_key: str,
        body: BaseModel | None = None,
        x_request_id: str | None = None,
    ) -> JSONResponse:
        return await runner.run(request, spec, number, body, staff, idempotency_key, x_request_id)

    keyword = inspect.Parameter.KEYWORD_ONLY
    body_annotation: Any = spec.body if spec.body.model_fields else spec.body | None
    parameters = [
        inspect.Parameter("request", keyword, annotation=Request),
        inspect.Parameter(
            "staff", keyword, annotation=Annotated[StaffIdentity, Depends(requires(*spec.roles))]
        ),
        inspect.Parameter("number", keyword, annotation=CaseNumber),  # after the token's check
        inspect.Parameter(
            "idempotency_key",
            keyword,
            annotation=Annotated[str, Header(min_length=1, max_length=200, description=IDEMPOTENCY_KEY_DOC)],
        ),
        inspect.Parameter(
            "body",
            keyword,
            annotation=body_annotation,
            default=inspect.Parameter.empty if spec.body.model_fields else None,
        ),
        inspect.Parameter(
            "x_request_id",
            keyword,
            annotation=Annotated[
                str | None, Header(max_length=200, description="Kept in the events' metadata.")
            ],
            default=None,
        ),
    ]
    setattr(endpoint, "__signature__", inspect.Signature(parameters, return_annotation=JSONResponse))  # noqa: B010
    return endpoint


def command_router(gateway: CommandGateway, cases: Decider[Case, CaseCommand]) -> APIRouter:
    """Returns the command routes, writing through the service's command gateway."""
    runner = CaseCommands(gateway, cases)
    # A key given twice in the body is refused (FIELD_REPEATED, after the staff checks), never read as
    # its last value.
    guards = [Security(bearer), Depends(refuse_repeated_keys)]
    router = APIRouter(prefix="/api/v1/cases", tags=["case commands"], dependencies=guards)
    for spec in COMMANDS:
        router.add_api_route(
            f"/{{number}}/{spec.name}",
            _endpoint(runner, spec),
            methods=["POST"],
            name=spec.name,
            summary=spec.summary,
            description=f"Roles: {', '.join(role.value for role in spec.roles)}.",
            response_model=CommandAnswer,
            responses=COMMAND_RESPONSES,
        )
    return router
