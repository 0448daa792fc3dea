"""The one error answer of every staff HTTP API (router, intake's desk, notifier) and of intake's citizen
API: `{"error": {"code": <stable code>, "message": <Turkish, for people>, "field": <field at fault or null>}}`
for 400, 401, 403, 404, 409 and 422 alike.

A body that does not validate is 422 `INVALID_REQUEST` naming the first field at fault, one that cannot
be read at all (not UTF-8, nested too deep) 400 `BODY_UNREADABLE` (after the gate's refusal, if
one is installed: a staff route's 401/403), a missing `Idempotency-Key` 400
`IDEMPOTENCY_KEY_REQUIRED`, one over 200 characters 400 `IDEMPOTENCY_KEY_TOO_LONG`, one with a key
given twice in an object 422 `FIELD_REPEATED` naming the first such key's path (a route or router that
takes `Depends(refuse_repeated_keys)`; after the gate's refusal too); each is logged with the route's
path template, the field and the kind of problem only, never the input (it may be an applicant's
words) nor a path's values (an application number is personal data).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

import structlog
from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from acikkapi_shared.gateway import KEY_MISSING_TR
from acikkapi_shared.json_keys import repeated_keys

log = structlog.get_logger(__name__)

INVALID_REQUEST_TR = "İstek geçersiz; lütfen alanları kontrol edin."
KEY_MAX_LEN = 200  # what the routes declare: Header(max_length=200)
KEY_TOO_LONG_TR = "Idempotency-Key en fazla {limit} karakter olabilir."
REPEATED_KEY_TR = "İstekte bir alan birden fazla kez gönderildi; her alan yalnızca bir kez gönderilebilir."
# A repeated key's path is input: the answer and the log show this much of it.
FIELD_SHOWN_MAX = 64
# The framework's refusals (status -> stable code, Turkish message).
FRAMEWORK_REFUSALS = {
    400: ("BODY_UNREADABLE", "İstek gövdesi okunamadı: UTF-8 kodlamasıyla geçerli bir JSON olmalı."),
    404: ("NOT_FOUND", "Bu adreste bir kaynak yok."),
    405: ("METHOD_NOT_ALLOWED", "Bu adres bu yöntemle kullanılamaz."),
}


class ErrorDetail(BaseModel):
    """Why a request was refused: a stable code, a Turkish message, the field at fault if one is."""

    code: str
    message: str
    field: str | None = None


class ErrorAnswer(BaseModel):
    """The body of every 4xx answer of the staff APIs."""

    error: ErrorDetail


def _documented(description: str) -> dict[str, object]:
    return {"model": ErrorAnswer, "description": description}


# For a route's or router's `responses=`: OpenAPI then shows the one shape for each status.
ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    400: _documented("A header is missing (Idempotency-Key) or a value cannot be one."),
    401: _documented("No valid staff token (codes: missing, expired, bad_signature, …)."),
    403: _documented(
        "The token's roles do not allow this (role_required; read_only: the auditor's write; …)."
    ),
    404: _documented("Not found, or not visible to the caller."),
    409: _documented("The state does not allow it, or the Idempotency-Key was used for another request."),
    422: _documented("A field is not valid."),
}


def error_answer(
    status: int,
    code: str,
    message_tr: str,
    field: str | None = None,
    *,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """Returns the error answer with this status."""
    body = ErrorAnswer(error=ErrorDetail(code=code, message=message_tr, field=field))
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


def route_template(request: Request) -> str:
    """Returns the matched route's path template, never the concrete path (it may carry a number)."""
    path = getattr(request.scope.get("route"), "path", None)
    return path if isinstance(path, str) else "?"


# Answers a request whose body the framework could not read, before that refusal; None: no answer.
BodyGate = Callable[[Request], Awaitable[Response | None]]
_BODY_GATE = "body_gate"


def gate_unreadable_bodies(app: FastAPI, gate: BodyGate) -> None:
    """Makes the gate answer first when the framework could not read a request's body (400
    BODY_UNREADABLE): FastAPI reads and parses the body before it runs the route's dependencies, so a
    refusal they would give (a staff token's 401 or 403) is the gate's to give, not the body's."""
    setattr(app.state, _BODY_GATE, gate)


async def _gated(request: Request) -> Response | None:
    gate: BodyGate | None = getattr(request.app.state, _BODY_GATE, None)
    return None if gate is None else await gate(request)


class RepeatedKey(Exception):
    """The request's JSON body gives a key twice in one object (path: the first such key's)."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


async def refuse_repeated_keys(request: Request) -> None:
    """A dependency (of a route or a router): raises RepeatedKey when the JSON body repeats a key, which
    Python would read keeping the last value in silence. It reads the bytes the request has cached
    (FastAPI read them already for the body model); install_validation_answers answers it."""
    if found := repeated_keys(await request.body()):
        raise RepeatedKey(found[0][:FIELD_SHOWN_MAX])


def install_validation_answers(
    app: FastAPI,
    *,
    only_under: tuple[str, ...] | None = None,
    elsewhere: Callable[[Request, StarletteHTTPException], Awaitable[Response]] = http_exception_handler,
) -> None:
    """Makes request validation failures (400 for a missing key), a repeated key (refuse_repeated_keys)
    and the framework's own refusals (a body that cannot be read, an unknown path, a wrong method)
    answer in the error shape.

    only_under: path prefixes it applies to (others keep FastAPI's answer); None: every route.
    elsewhere: answers the framework's refusals outside only_under (by default FastAPI's own).
    """

    async def invalid(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        if _unreadable(exc) and (answer := await _gated(request)) is not None:
            return answer
        if only_under is not None and not request.url.path.startswith(only_under):
            return await request_validation_exception_handler(request, exc)
        return validation_answer(request, exc)

    async def framework(request: Request, exc: Exception) -> Response:
        # FastAPI's own refusals: a body that is not UTF-8 JSON (or nested too deep) is a 400 with
        # {"detail": ...}, an unknown path a 404, a wrong method a 405. The routes raise none themselves.
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 400 and (answer := await _gated(request)) is not None:
            return answer
        if only_under is not None and not request.url.path.startswith(only_under):
            return await elsewhere(request, exc)
        return framework_answer(request, exc)

    async def repeated(request: Request, exc: Exception) -> Response:
        # A router's dependency runs before its routes' own (the staff checks): theirs answer first.
        assert isinstance(exc, RepeatedKey)
        if (answer := await _gated(request)) is not None:
            return answer
        log.info("request_invalid", route=route_template(request), field=exc.path, kind="repeated")
        return error_answer(422, "FIELD_REPEATED", REPEATED_KEY_TR, exc.path)

    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(StarletteHTTPException, framework)
    app.add_exception_handler(RepeatedKey, repeated)


def framework_refusal(request: Request, exc: StarletteHTTPException) -> tuple[str, str]:
    """Returns the stable code and Turkish message of one of the framework's refusals (a body that
    cannot be read, an unknown path, a wrong method), logged as `request_refused`."""
    code, message = FRAMEWORK_REFUSALS.get(exc.status_code, (f"HTTP_{exc.status_code}", INVALID_REQUEST_TR))
    log.info("request_refused", route=route_template(request), status=exc.status_code, code=code)
    return code, message


def framework_answer(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    """Returns the error answer of one of the framework's refusals (405 keeps its Allow header)."""
    code, message = framework_refusal(request, exc)
    return error_answer(exc.status_code, code, message, headers=exc.headers)


def _unreadable(exc: RequestValidationError) -> bool:
    """Tells whether the body was not JSON at all: the one validation failure raised before the
    route's dependencies run (a body that is JSON is validated after them)."""
    return any(problem.get("type") == "json_invalid" for problem in exc.errors())


def validation_answer(request: Request, exc: RequestValidationError) -> JSONResponse:
    """Returns the error answer of a request that does not validate, logged without its values."""
    problems = list(exc.errors())
    for problem in problems:
        location = tuple(str(part) for part in problem.get("loc", ()))
        if location == ("header", "idempotency-key") and problem.get("type") == "missing":
            log.info(
                "request_invalid", route=route_template(request), field="Idempotency-Key", kind="missing"
            )
            return error_answer(400, "IDEMPOTENCY_KEY_REQUIRED", KEY_MISSING_TR, "Idempotency-Key")
        if location == ("header", "idempotency-key") and problem.get("type") == "string_too_long":
            log.info(
                "request_invalid", route=route_template(request), field="Idempotency-Key", kind="too_long"
            )
            limit = (problem.get("ctx") or {}).get("max_length", KEY_MAX_LEN)
            message = KEY_TOO_LONG_TR.format(limit=limit)
            return error_answer(400, "IDEMPOTENCY_KEY_TOO_LONG", message, "Idempotency-Key")
        if problem.get("type") == "json_invalid":  # not JSON at all: its "field" would be a character offset
            log.info("request_invalid", route=route_template(request), field=None, kind="json_invalid")
            code, message = FRAMEWORK_REFUSALS[400]
            return error_answer(400, code, message)
    first = problems[0] if problems else {}
    field = ".".join(str(part) for part in first.get("loc", ())[1:]) or None
    log.info("request_invalid", route=route_template(request), field=field, kind=first.get("type"))
    return error_answer(422, "INVALID_REQUEST", INVALID_REQUEST_TR, field)
