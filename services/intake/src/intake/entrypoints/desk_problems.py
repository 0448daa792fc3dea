"""The desk's 422 listing every problem of a request (an application, a meeting) in the one error
shape: `{"error": {"code", "message", "field": <the first>, "problems": [{"code", "field", "message"}]}}`.
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi.responses import JSONResponse
from pydantic import BaseModel

from intake.domain.problems import ValidationProblem


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
# the moment of receipt themselves.
RECEIVED_AT_TR = {
    "SUBMITTED_AT_INVALID": (
        "Alınma zamanı okunamadı: ISO 8601 biçiminde yazılmalıdır (örneğin 2026-05-20T14:30:00+03:00)."
    ),
    "SUBMITTED_AT_NO_OFFSET": "Alınma zamanında saat dilimi eksik (örneğin +03:00).",
    "SUBMITTED_AT_OUT_OF_RANGE": "Alınma zamanı çok eski ya da ileri bir tarih olamaz.",
}


def invalid_answer(code: str, message_tr: str, problems: Sequence[ValidationProblem]) -> JSONResponse:
    """Returns the 422 listing every problem (submitted_at is the desk's received_at)."""
    shown = [
        ProblemView(
            code=p.code,
            field="received_at" if p.field == "submitted_at" else p.field,
            message=RECEIVED_AT_TR.get(p.code, p.message_tr) if p.field == "submitted_at" else p.message_tr,
        )
        for p in problems
    ]
    detail = InvalidDetail(
        code=code, message=message_tr, field=shown[0].field if shown else None, problems=shown
    )
    return JSONResponse(InvalidRequest(error=detail).model_dump(), status_code=422)
