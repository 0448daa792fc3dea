"""What the router's staff API shares: the error answer and request validation handler (the one shape
of acikkapi_shared.http_errors), the bearer scheme OpenAPI shows, and the application number in a path."""

from __future__ import annotations

from typing import Annotated

import structlog
from fastapi import FastAPI, Path, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPBearer

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
    "ApplicationNumber",
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

ApplicationNumber = Annotated[
    str, Path(max_length=40, pattern=r"^[0-9]{4}-[0-9]{6,}-[0-9A-Z]$", examples=["2026-000001-N"])
]


def error(status: int, code: str, message_tr: str, field: str | None = None) -> JSONResponse:
    """Returns an error answer (acikkapi_shared.http_errors' one shape)."""
    return error_answer(status, code, message_tr, field)


def case_not_found(request: Request) -> JSONResponse:
    """Returns the 404 of an unknown case, and of another institution's: existence is not told."""
    log.info("case_not_visible", method=request.method, route=route_template(request))
    return error(404, "CASE_NOT_FOUND", CASE_NOT_FOUND_TR)


def install_validation_answers(app: FastAPI) -> None:
    """Makes request validation failures answer in the API's error shape (400 for a missing key)."""
    _install(app)
