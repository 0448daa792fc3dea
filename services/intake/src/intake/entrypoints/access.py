"""How an applicant reaches an application: its number, and for anything more than its stage, the
tracking code sent by SMS (header X-Tracking-Code or query tracking_code).

Numbers are sequential and their check character can be computed, so a wrong number and a wrong
code get one answer (404, the same body), and codes are compared in constant time.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from fastapi.responses import JSONResponse

from acikkapi_shared.http_errors import error_answer
from acikkapi_shared.runtime import ServiceRuntime
from intake.domain.numbers import (
    InvalidApplicationNumber,
    InvalidTrackingCode,
    normalise_tracking_code,
    parse_application_number,
)
from intake.projections import applications

NOT_FOUND_TR = (
    "Bu numara ve takip koduyla kayıtlı bir başvuru bulunamadı. Lütfen numarayı ve SMS ile gönderilen "
    "takip kodunu kontrol edin."
)


def error(status: int, code: str, message_tr: str, field: str | None = None) -> JSONResponse:
    """Returns the API's error answer: a stable code, a Turkish message and the field at fault (or null),
    acikkapi_shared.http_errors' one shape."""
    return error_answer(status, code, message_tr, field)


def not_found() -> JSONResponse:
    """Returns the one answer for an unknown number, a missing or wrong code."""
    return error(404, "APPLICATION_NOT_FOUND", NOT_FOUND_TR)


@dataclass(frozen=True)
class Access:
    """An application found by its number; tracked: the right tracking code came with it."""

    row: Any
    tracked: bool


def presented_code(header: str | None, query: str | None) -> str:
    """Returns the tracking code the request carries (the header first), or "" when none."""
    return (header or "").strip() or (query or "").strip()


async def find(runtime: ServiceRuntime, number: str, code: str) -> Access | JSONResponse:
    """Returns the application for the number (tracked when code is its tracking code), or the
    answer to give: 400 for a number that cannot be one, else the generic 404."""
    try:
        parsed = str(parse_application_number(number))
    except InvalidApplicationNumber as invalid:
        return error(400, invalid.code, invalid.message_tr)
    async with runtime.read_engine.connect() as connection:
        query = sa.select(applications).where(applications.c.application_number == parsed)
        row = (await connection.execute(query)).first()
    if row is None:
        return not_found()
    if not code:
        return Access(row, tracked=False)
    try:
        canonical = normalise_tracking_code(code)
    except InvalidTrackingCode:
        return not_found()
    if not hmac.compare_digest(row.tracking_code.encode(), canonical.encode()):
        return not_found()
    return Access(row, tracked=True)


async def find_tracked(runtime: ServiceRuntime, number: str, code: str) -> Access | JSONResponse:
    """Returns the application only with its tracking code; the generic 404 without one."""
    found = await find(runtime, number, code)
    if isinstance(found, Access) and not found.tracked:
        return not_found()
    return found
