"""POST requests.{xml,json}: an integrator's form registered through the command gateway, once per
Idempotency-Key (or client_token), exactly as a portal message is registered (same validation, same
numbering and Application decider, same duplicate check)."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from starlette.requests import ClientDisconnect

from acikkapi_shared.commands import CommandContext, CommandRunner
from acikkapi_shared.gateway import KEY_REUSED_TR, GatewayRun, IdempotencyKeyReused
from acikkapi_shared.reference import ReferenceData
from acikkapi_shared.runtime import ServiceRuntime
from intake.domain.submission import ValidSubmission
from intake.domain.tracking_code import TokenBytes, new_tracking_code
from intake.open311.batcher import RunBatcher
from intake.open311.keys import ApiKeys
from intake.open311.posting import (
    FORM_MAX_BYTES,
    FORM_MAX_FIELDS,
    FormInvalid,
    FormUnreadable,
    first,
    parse_form,
    read_submission,
    same_jurisdiction,
)
from intake.open311.render import errors, jurisdiction_unknown, render
from intake.registration import applicant_history_streams, register_submission

KEY_MAX_LEN = 200
NOTICE_TR = (
    "Başvurunuz alındı. Başvuru numarası ve takip kodu, başvuru sahibinin cep telefonuna kısa mesajla "
    "(SMS) gönderilir."
)
# An applicant who hid their identity (or refused SMS) gets no SMS at all: the token is the way to the
# tracking code, as for the portal (GET /api/v1/submissions/{token} of intake).
NO_SMS_NOTICE_TR = (
    "Başvurunuz alındı. Bu başvuru için başvuru sahibine kısa mesaj (SMS) gönderilmez. Başvuru "
    "numarası bu yanıttadır; takip kodu /api/v1/submissions/{token} adresinden öğrenilebilir."
)
API_KEY_TR = "api_key eksik ya da geçersiz; başvuru kaydedilemedi."
FORM_TR = (
    "İstek gövdesi okunamadı: application/x-www-form-urlencoded biçiminde, UTF-8 ve en fazla 64 KiB olmalı."
)
FORM_UNREADABLE_TR = {"FORM_TOO_MANY_FIELDS": f"Formda en fazla {FORM_MAX_FIELDS} alan olabilir."}
KEY_TR = f"Idempotency-Key / client_token en fazla {KEY_MAX_LEN} karakter olabilir."
REFUSED_TR = "Başvuru şu anda kaydedilemedi. Lütfen daha sonra yeniden deneyin."

# The form, for the OpenAPI document (FastAPI does not read it: the specification's form is parsed here).
FORM_FIELDS = (
    "api_key",
    "service_code",
    "jurisdiction_id",
    "first_name",
    "last_name",
    "phone",
    "email",
    "description",
    "address_string",
    "lat",
    "long",
    "media_url",
    "attribute[DISTRICT]",
    "attribute[TCKN]",
    "attribute[IDENTITY_HIDDEN]",
    "client_token",
)
# A form that registers (with the integrator's own api_key added): the document's example, for
# integrators to start from, and the valid base the tests and the fuzz run change one field of.
FORM_EXAMPLE: dict[str, str] = {
    "service_code": "YEREL_YONETIMLER-SIKAYET",
    "jurisdiction_id": "kars.gov.tr",
    "first_name": "Ayşe",
    "last_name": "Yılmaz",
    "phone": "0532 123 45 67",
    "attribute[DISTRICT]": "MERKEZ",
    "attribute[TCKN]": "10000000146",
    "description": "Yusufpaşa Mahallesi'nde iki gündür içme suyu kesik, kimse ilgilenmiyor.",
    "address_string": "Yusufpaşa Mahallesi, Kars",
    "lat": "40.6013",
    "long": "43.0975",
}
FORM_OPENAPI: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "properties": {name: {"type": "string"} for name in FORM_FIELDS},
                    "required": ["api_key", "service_code"],
                },
                "example": {"api_key": "<api_key>", **FORM_EXAMPLE},
            }
        },
    }
}


@dataclass(frozen=True)
class Poster:
    """What POST requests needs: the runtime, the keys, the reference data, the jurisdiction, and the
    batcher that writes concurrent POSTs in one transaction."""

    runtime: ServiceRuntime
    keys: ApiKeys
    reference: ReferenceData
    jurisdiction: str
    token_bytes: TokenBytes
    batcher: RunBatcher

    async def post(self, fmt: str, request: Request) -> Response:
        """Answers one POST requests."""
        try:
            form = parse_form(await _bounded_body(request))
        except FormUnreadable as unreadable:
            code = str(unreadable)
            return errors(fmt, 400, [(code, FORM_UNREADABLE_TR.get(code, FORM_TR))])
        integrator = self.keys.integrator_of(first(form, "api_key") or "")
        if integrator is None:
            return errors(fmt, 403, [("API_KEY_INVALID", API_KEY_TR)])
        if not same_jurisdiction(first(form, "jurisdiction_id"), self.jurisdiction):
            return jurisdiction_unknown(fmt, self.jurisdiction)
        client_key = request.headers.get("idempotency-key") or first(form, "client_token") or ""
        if len(client_key) > KEY_MAX_LEN:
            return errors(fmt, 400, [("IDEMPOTENCY_KEY_TOO_LONG", KEY_TR)])
        now = self.runtime.gateway.clock.now()
        try:
            submission = read_submission(form, self.reference, submission_id=str(uuid.uuid4()), now=now)
        except FormInvalid as invalid:
            return errors(fmt, 400, invalid.problems)
        # Without a key every POST is a new request (the duplicate check flags a resent one).
        key = f"open311:{integrator}:{client_key or uuid.uuid4()}"
        context = CommandContext(
            occurred_at=now,
            actor=f"integrator:{integrator}",
            idempotency_key=key,
            request_id=request.headers.get("x-request-id"),
        )
        try:
            outcome = await self.batcher.run(
                GatewayRun(
                    self._register(submission),
                    context,
                    _fingerprint(form),
                    streams=tuple(
                        stream
                        for _, stream in applicant_history_streams(submission.phone_e164, submission.tckn)
                    ),
                )
            )
        except IdempotencyKeyReused:
            return errors(fmt, 409, [("IDEMPOTENCY_KEY_REUSED", KEY_REUSED_TR)])
        registered = next((e for e in outcome.events if e.type == "ApplicationRegistered"), None)
        if outcome.rejection is not None or registered is None:
            code = outcome.rejection.code if outcome.rejection else "NOT_REGISTERED"
            return errors(fmt, 503, [(code, REFUSED_TR)])
        token = registered.payload["submission_id"]
        silent = submission.identity_hidden or submission.sms_refused
        answer = {
            "service_request_id": registered.payload["application_number"],
            "token": token,
            "service_notice": NO_SMS_NOTICE_TR.format(token=token) if silent else NOTICE_TR,
            "account_id": None,
        }
        return render(fmt, "service_requests", [answer])

    def _register(self, submission: ValidSubmission) -> Any:
        async def body(commands: CommandRunner) -> str:
            code = new_tracking_code(self.token_bytes)
            return await register_submission(commands, submission, code, actor=commands.context.actor)

        return body


async def _bounded_body(request: Request) -> bytes:
    content_type = request.headers.get("content-type", "application/x-www-form-urlencoded")
    if content_type.split(";")[0].strip().lower() != "application/x-www-form-urlencoded":
        raise FormUnreadable("FORM_NOT_URLENCODED")
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > FORM_MAX_BYTES:
                raise FormUnreadable("FORM_TOO_LARGE")
            chunks.append(chunk)
    except ClientDisconnect:
        raise FormUnreadable("FORM_INCOMPLETE") from None  # nobody reads the answer; nothing is written
    return b"".join(chunks)


def _fingerprint(form: Sequence[tuple[str, str]]) -> str:
    """Returns a digest of the request (the key and the idempotency fields aside)."""
    kept = sorted((name, value) for name, value in form if name not in ("api_key", "client_token"))
    return hashlib.sha256(json.dumps(kept, ensure_ascii=False).encode("utf-8", "surrogatepass")).hexdigest()
