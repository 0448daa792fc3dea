"""The desk's 422 listing every problem of a request (an application, a meeting) in the one error
shape: `{"error": {"code", "message", "field": <the first>, "problems": [{"code", "field", "message"}]}}`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import timedelta

from fastapi.responses import JSONResponse
from pydantic import BaseModel

from intake.domain.problems import ValidationProblem, problem


class ProblemView(BaseModel):
    code: str
    field: str
    message: str  # Turkish, the key of the one error shape (acikkapi_shared.http_errors)


class InvalidDetail(BaseModel):
    code: str
    message: str
    field: str | None
    problems: list[ProblemView]


class InvalidRequest(BaseModel):
    """422: the one error shape, with every problem of the request listed."""

    error: InvalidDetail


# The portal's words for its submitted_at ask the citizen to send the form again; the desk's staff typed
# the moment of receipt themselves. {days}: how old it may be (intake's max_receipt_age_days).
RECEIVED_AT_TR = {
    "SUBMITTED_AT_INVALID": (
        "Alınma zamanı okunamadı: ISO 8601 biçiminde yazılmalıdır (örneğin 2026-05-20T14:30:00+03:00)."
    ),
    "SUBMITTED_AT_NO_OFFSET": "Alınma zamanında saat dilimi eksik (örneğin +03:00).",
    "SUBMITTED_AT_OUT_OF_RANGE": "Alınma zamanı {days} günden daha eski ya da ileri bir tarih olamaz.",
}


def as_received_at(problems: Sequence[ValidationProblem], max_age: timedelta) -> list[ValidationProblem]:
    """Returns the problems with the portal's submitted_at named as the desk's received_at, in the
    desk's words (the limit of its age told in days: max_age)."""
    days = math.ceil(max_age / timedelta(days=1))
    return [
        p
        if p.field != "submitted_at"
        else ValidationProblem(
            p.code,
            "received_at",
            RECEIVED_AT_TR[p.code].format(days=days)
            if p.code in RECEIVED_AT_TR
            else problem(p.code, "received_at").message_tr,
        )
        for p in problems
    ]


def invalid_answer(code: str, message_tr: str, problems: Sequence[ValidationProblem]) -> JSONResponse:
    """Returns the 422 listing every problem."""
    shown = [ProblemView(code=p.code, field=p.field, message=p.message_tr) for p in problems]
    detail = InvalidDetail(
        code=code, message=message_tr, field=shown[0].field if shown else None, problems=shown
    )
    return JSONResponse(InvalidRequest(error=detail).model_dump(), status_code=422)
