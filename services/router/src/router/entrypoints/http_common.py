"""What the router's staff API shares: the error answer and request validation handler (the one shape
of acikkapi_shared.http_errors), the bearer scheme OpenAPI shows, and the application number in a path:
read as intake reads it (acikkapi_shared.application_numbers: any case, blanks and dashes), so staff may
type it as the citizen API takes it; one that cannot be a number is a 400 with intake's codes."""

from __future__ import annotations

from typing import Annotated

import structlog
from fastapi import Depends, FastAPI, Path, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPBearer

from acikkapi_shared.application_numbers import InvalidApplicationNumber, parse_application_number
from acikkapi_shared.http_errors import (
    ERROR_RESPONSES,
    INVALID_REQUEST_TR,
    ErrorAnswer,
    ErrorDetail,
    error_answer,
    route_template,
)
from acikkapi_shared.http_errors import install_validation_answers as _install

__all__ = [
    "CASE_NOT_FOUND_TR",
    "ERROR_RESPONSES",
    "INVALID_REQUEST_TR",
    "CaseNumber",
    "ErrorAnswer",
    "ErrorDetail",
    "bearer",
    "case_not_found",
    "error",
    "install_validation_answers",
]

log = structlog.get_logger(__name__)

CASE_NOT_FOUND_TR = "Bu numarayla yönlendirilmiş bir başvuru bulunamadı."

# Documents `Authorization: Bearer <token>` in OpenAPI; acikkapi_shared.staff.http checks the token.
bearer = HTTPBearer(auto_error=False, description="A staff token (JWT) of the identity provider.")


def case_number(
    number: Annotated[
        str,
        Path(
            max_length=64,
            examples=["2026-000001-N"],
            description="An application number, in any case, with or without blanks and dashes.",
        ),
    ],
) -> str:
    """Returns the number in the path as written canonically; raises InvalidApplicationNumber (a 400,
    install_validation_answers) for one that cannot be a number. Declare it after the staff
    dependency: a caller without a token is told that first."""
    return str(parse_application_number(number))


CaseNumber = Annotated[str, Depends(case_number)]


def error(status: int, code: str, message_tr: str, field: str | None = None) -> JSONResponse:
    """Returns an error answer (acikkapi_shared.http_errors' one shape)."""
    return error_answer(status, code, message_tr, field)


def case_not_found(request: Request) -> JSONResponse:
    """Returns the 404 of an unknown case, and of another institution's: existence is not told."""
    log.info("case_not_visible", method=request.method, route=route_template(request))
    return error(404, "CASE_NOT_FOUND", CASE_NOT_FOUND_TR)


def install_validation_answers(app: FastAPI) -> None:
    """Makes request validation failures answer in the API's error shape (400 for a missing key), and
    a case number that cannot be one a 400 with the citizen API's codes."""
    _install(app)

    async def impossible_number(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, InvalidApplicationNumber)
        log.info("request_invalid", route=route_template(request), field="number", kind=exc.code)
        return error(400, exc.code, exc.message_tr, "number")

    app.add_exception_handler(InvalidApplicationNumber, impossible_number)
