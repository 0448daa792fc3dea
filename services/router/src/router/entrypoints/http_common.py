"""What the router's staff API shares: the error answer, the request validation handler, the bearer
scheme OpenAPI shows, and the application number in a path."""

from __future__ import annotations

from typing import Annotated

import structlog
from fastapi import FastAPI, Path, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPBearer
from pydantic import BaseModel

from acikkapi_shared.gateway import KEY_MISSING_TR

log = structlog.get_logger(__name__)

CASE_NOT_FOUND_TR = "Bu numarayla yönlendirilmiş bir başvuru bulunamadı."
INVALID_REQUEST_TR = "İstek geçersiz; lütfen alanları kontrol edin."

# Documents `Authorization: Bearer <token>` in OpenAPI; acikkapi_shared.staff.http checks the token.
bearer = HTTPBearer(auto_error=False, description="A staff token (JWT) of the identity provider.")

ApplicationNumber = Annotated[
    str, Path(max_length=40, pattern=r"^[0-9]{4}-[0-9]{6,}-[0-9A-Z]$", examples=["2026-000001-N"])
]


class ErrorDetail(BaseModel):
    """Why a request was refused: a stable code, a Turkish message, the field at fault if one is."""

    code: str
    message: str
    field: str | None = None


class ErrorAnswer(BaseModel):
    """The body of every 4xx answer of the staff API but 401 and 403 (acikkapi_shared.staff.http's)."""

    error: ErrorDetail


ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    401: {"description": "No valid staff token."},
    403: {"description": "The token's roles do not allow this."},
    404: {"model": ErrorAnswer, "description": "No such case, or not one of the caller's institution."},
    422: {"model": ErrorAnswer, "description": "A field is not valid."},
}


def error(status: int, code: str, message_tr: str, field: str | None = None) -> JSONResponse:
    """Returns an error answer."""
    body = ErrorAnswer(error=ErrorDetail(code=code, message=message_tr, field=field))
    return JSONResponse(body.model_dump(), status_code=status)


def case_not_found(request: Request) -> JSONResponse:
    """Returns the 404 of an unknown case, and of another institution's: existence is not told."""
    log.info("case_not_visible", method=request.method, route=_route_template(request))
    return error(404, "CASE_NOT_FOUND", CASE_NOT_FOUND_TR)


def install_validation_answers(app: FastAPI) -> None:
    """Makes request validation failures answer in the API's error shape (400 for a missing key)."""
    app.add_exception_handler(RequestValidationError, _invalid)


async def _invalid(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = list(exc.errors())
    for problem in problems:
        location = tuple(str(part) for part in problem.get("loc", ()))
        if location == ("header", "idempotency-key") and problem.get("type") == "missing":
            return error(400, "IDEMPOTENCY_KEY_REQUIRED", KEY_MISSING_TR, "Idempotency-Key")
    first = problems[0] if problems else {}
    field = ".".join(str(part) for part in first.get("loc", ())[1:]) or None
    # Never the input itself: it may be an applicant's words.
    log.info("request_invalid", route=_route_template(request), field=field, kind=first.get("type"))
    return error(422, "INVALID_REQUEST", INVALID_REQUEST_TR, field)


def _route_template(request: Request) -> str:
    path = getattr(request.scope.get("route"), "path", None)
    return path if isinstance(path, str) else "?"
