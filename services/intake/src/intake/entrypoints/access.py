"""How an applicant reaches an application: its number, and for anything more than its stage, the
tracking code (sent by SMS, or given when applying: at the desk, from the submission's status;
header X-Tracking-Code or query tracking_code, or the tracking page's form).

Numbers are sequential and their check character can be computed, so a wrong number and a wrong
code get one answer (404, the same body), and codes are compared in constant time. Every look-up
with a code that fails counts against the client and the number (tracking_page/limiter.py); past the
limit look-ups with a code are refused (429) until the window has passed.
"""

from __future__ import annotations

import hmac
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from fastapi.responses import JSONResponse

from acikkapi_shared.application_numbers import InvalidApplicationNumber, parse_application_number
from acikkapi_shared.http_errors import ErrorAnswer, error_answer
from acikkapi_shared.runtime import ServiceRuntime
from intake.domain.tracking_code import InvalidTrackingCode, normalise_tracking_code
from intake.projections import applications
from intake.tracking_page.limiter import FailureLimiter

# Not only by SMS: a hidden identity or a refused SMS gets the code at the desk or from the submission.
NOT_FOUND_TR = (
    "Bu numara ve takip koduyla kayıtlı bir başvuru bulunamadı. Lütfen numarayı ve size SMS ile ya da "
    "başvurunuzu yaparken verilen takip kodunu kontrol edin."
)
# For the citizen routes' `responses=`: every refusal is the one error shape, {"error": {code, message,
# field}}; OpenAPI would otherwise show FastAPI's 422 HTTPValidationError, which they never answer.
CITIZEN_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorAnswer, "description": description}
    for status, description in (
        (400, "A number that cannot be one, or a body that cannot be read."),
        (404, "No application with this number and tracking code (one answer for either wrong)."),
        (409, "The application's stage does not allow it (codes name why)."),
        (422, "A field to correct, named (FIELD_MISSING, TEXT_TOO_LONG, …)."),
        (429, "Too many failed look-ups: wait for Retry-After."),
    )
}
TOO_MANY_TR = (
    "Çok sayıda hatalı deneme yapıldı. Güvenliğiniz için sorgulama geçici olarak durduruldu; "
    "lütfen {minutes} dakika sonra yeniden deneyin."
)


def error(status: int, code: str, message_tr: str, field: str | None = None) -> JSONResponse:
    """Returns the API's error answer: a stable code, a Turkish message and the field at fault (or null),
    acikkapi_shared.http_errors' one shape."""
    return error_answer(status, code, message_tr, field)


@dataclass(frozen=True)
class Access:
    """An application found by its number; tracked: the right tracking code came with it."""

    row: Any
    tracked: bool


@dataclass(frozen=True)
class Refused:
    """Why a look-up found nothing to show: its status, stable code and Turkish message."""

    status: int
    code: str
    message_tr: str
    retry_after_s: int | None = None

    def response(self) -> JSONResponse:
        """Returns the API's answer."""
        answer = error(self.status, self.code, self.message_tr)
        if self.retry_after_s is not None:
            answer.headers["Retry-After"] = str(self.retry_after_s)
        return answer


NOT_FOUND = Refused(404, "APPLICATION_NOT_FOUND", NOT_FOUND_TR)


@dataclass(frozen=True)
class Attempt:
    """Who looks an application up, and when: what the failure limiter counts."""

    limiter: FailureLimiter
    client: str
    now: datetime


def presented_code(header: str | None, query: str | None) -> str:
    """Returns the tracking code the request carries (the header first), or "" when none. HTTP gives
    a header's bytes as Latin-1: a code typed with a Turkish İ or ı arrives as UTF-8 bytes read as
    Latin-1, and is read back as UTF-8 here (the query and the page's form are UTF-8 already)."""
    return _utf8(header or "").strip() or (query or "").strip()


def _utf8(header: str) -> str:
    try:
        return header.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return header  # not UTF-8 bytes: Latin-1 it is (it simply will not match a code)


async def look_up(runtime: ServiceRuntime, number: str, code: str, attempt: Attempt) -> Access | Refused:
    """Returns the application for the number (tracked when code is its tracking code), or why not:
    400 for a number that cannot be one, 429 past the failure limit, else the generic 404."""
    try:
        parsed = str(parse_application_number(number))
    except InvalidApplicationNumber as invalid:
        if code:
            attempt.limiter.failed(attempt.client, None, attempt.now)
        return Refused(400, invalid.code, invalid.message_tr)
    if code:
        wait = attempt.limiter.refused_for(attempt.client, parsed, attempt.now)
        if wait is not None:
            seconds = max(1, math.ceil(wait.total_seconds()))
            message = TOO_MANY_TR.format(minutes=max(1, math.ceil(seconds / 60)))
            return Refused(429, "TOO_MANY_FAILED_ATTEMPTS", message, retry_after_s=seconds)
    async with runtime.read_engine.connect() as connection:
        query = sa.select(applications).where(applications.c.application_number == parsed)
        row = (await connection.execute(query)).first()
    if not code:
        return NOT_FOUND if row is None else Access(row, tracked=False)
    if row is None or not _same_code(row.tracking_code, code):
        attempt.limiter.failed(attempt.client, parsed, attempt.now)
        return NOT_FOUND
    return Access(row, tracked=True)


def _same_code(expected: str, presented: str) -> bool:
    try:
        canonical = normalise_tracking_code(presented)
    except InvalidTrackingCode:
        return False
    return hmac.compare_digest(expected.encode(), canonical.encode())


async def look_up_tracked(
    runtime: ServiceRuntime, number: str, code: str, attempt: Attempt
) -> Access | Refused:
    """Returns the application only with its tracking code; the generic 404 without one."""
    found = await look_up(runtime, number, code, attempt)
    return NOT_FOUND if isinstance(found, Access) and not found.tracked else found


async def find(runtime: ServiceRuntime, number: str, code: str, attempt: Attempt) -> Access | JSONResponse:
    """look_up, with the API's answer for a refusal."""
    found = await look_up(runtime, number, code, attempt)
    return found.response() if isinstance(found, Refused) else found


async def find_tracked(
    runtime: ServiceRuntime, number: str, code: str, attempt: Attempt
) -> Access | JSONResponse:
    """look_up_tracked, with the API's answer for a refusal."""
    found = await look_up_tracked(runtime, number, code, attempt)
    return found.response() if isinstance(found, Refused) else found
