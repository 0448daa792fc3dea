"""The tracking page: GET /takip (the form), POST /takip (number and tracking code: the application),
POST /takip/bilgi | /itiraz | /geri-cekme (the applicant's requests).

Every look-up goes through the citizen API's own (entrypoints/access.py: one generic answer for a
wrong number or code, the failure limiter), every view through its projection (tracked_view) and
every request through its command path (applicant_actions.perform, intake's command gateway). The
tracking code travels only in POST bodies, never in an address; answers are not cached.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape

from acikkapi_shared.runtime import ServiceRuntime
from intake.domain.application_model import (
    ApplicantAction,
    ObjectToConclusion,
    SupplyInformation,
    WithdrawApplication,
)
from intake.entrypoints.access import Access, Attempt, Refused, look_up_tracked
from intake.entrypoints.applicant_actions import client_address, perform
from intake.entrypoints.private_answers import PRIVATE_HEADERS
from intake.entrypoints.tracked_view import tracked_view
from intake.tracking_page.forms import MAX_FORM_BYTES, FormSigner, FormTooLarge, parse_form
from intake.tracking_page.limiter import FailureLimiter
from intake.tracking_page.view import ACTIONS_BY_PATH, action_forms, page_context

FORM_EXPIRED_TR = (
    "Bu formun süresi dolmuş ya da form geçersiz. Lütfen başvurunuzu yeniden sorgulayıp tekrar deneyin."
)
FORM_TOO_LARGE_TR = "Gönderdiğiniz form çok büyük."
NOT_HERE_TR = "Bu adreste bir sayfa yok. Başvurunuzu aşağıdaki formla sorgulayabilirsiniz."
CONFIRMATION_MISSING_TR = "Başvurunuzu geri çekmek için onay kutusunu işaretleyin."
# The form's hidden key was used already with other words: the same form sent twice.
FORM_ALREADY_SENT_TR = (
    "Bu form daha önce gönderildi. Yeni bir istek için başvurunuzu yeniden sorgulayıp formu tekrar doldurun."
)

# No script at all; styles only from this page's own stylesheet; forms post only here.
_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    **PRIVATE_HEADERS,
    "X-Content-Type-Options": "nosniff",
}

_templates = Environment(
    loader=PackageLoader("intake.tracking_page", "templates"),
    autoescape=select_autoescape(default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
_STYLESHEET = resources.files("intake.tracking_page").joinpath("takip.css").read_text(encoding="utf-8")


def html_page(
    template: str, status: int = 200, headers: dict[str, str] | None = None, **context: Any
) -> Response:
    """Returns one of the page's templates rendered, with the page's headers (no script, no cache)."""
    body = _templates.get_template(template).render(**context)
    return HTMLResponse(body, status_code=status, headers={**_HEADERS, **(headers or {})})


@dataclass(frozen=True)
class Failed:
    """A request the page could not record: which form, the Turkish message, the field at fault."""

    action: str
    message: str
    field: str | None


@dataclass(frozen=True)
class Tracked:
    """A posted form whose number and tracking code found the application."""

    form: dict[str, str]
    found: Access
    code: str


def _command(action: str, text: str) -> ApplicantAction:
    if action == "information":
        return SupplyInformation(text)
    if action == "objection":
        return ObjectToConclusion(text)
    return WithdrawApplication(text)


def tracking_page_router(runtime: ServiceRuntime, limiter: FailureLimiter, signer: FormSigner) -> APIRouter:
    """Returns the tracking page's routes (not in the OpenAPI document: HTML for people)."""
    router = APIRouter(prefix="/takip", include_in_schema=False)

    def lookup_page(status: int, number: str = "", problem: str | None = None, **headers: str) -> Response:
        title = "Başvurunuzu takip edin" if problem is None else "Başvuru gösterilemedi"
        return html_page("lookup.html", status, headers, title=title, number=number, problem=problem)

    def refused(refusal: Refused, number: str) -> Response:
        headers = {} if refusal.retry_after_s is None else {"Retry-After": str(refusal.retry_after_s)}
        return lookup_page(refusal.status, number, refusal.message_tr, **headers)

    async def application_page(
        found: Access,
        code: str,
        *,
        status: int = 200,
        accepted: str | None = None,
        failed: Failed | None = None,
        entered: dict[str, str] | None = None,
    ) -> Response:
        view = await tracked_view(runtime, found.row)
        forms = action_forms(view, signer, runtime.gateway.clock.now())
        return html_page(
            "application.html",
            status,
            title=f"{'Hata: ' if failed else ''}Başvuru {view.application_number}",
            code=code,
            forms=forms,
            accepted=accepted,
            failed=failed,
            entered=entered or {},
            **page_context(view),
        )

    async def tracked(request: Request) -> Tracked | Response:
        """Returns the posted form with its application, or the page that says why not."""
        try:
            form = parse_form(await _bounded_body(request))
        except FormTooLarge:
            return lookup_page(413, problem=FORM_TOO_LARGE_TR)
        number, code = form.get("numara", "").strip(), form.get("takip_kodu", "").strip()
        now = runtime.gateway.clock.now()
        found = await look_up_tracked(runtime, number, code, Attempt(limiter, client_address(request), now))
        if isinstance(found, Refused):
            return refused(found, number[:40])
        return Tracked(form, found, code)

    @router.get("")
    async def lookup_form(numara: str = "") -> Response:
        return lookup_page(200, numara[:40])

    @router.get("/takip.css")
    async def stylesheet() -> Response:
        return Response(_STYLESHEET, media_type="text/css", headers={"Cache-Control": "max-age=3600"})

    @router.get("/{path}")
    async def after_a_form(path: str) -> Response:
        """A form's address opened again (a reload, a restored tab): the look-up form, where the number
        and the code are asked again (they never travel in an address)."""
        if path in ACTIONS_BY_PATH:
            return RedirectResponse("/takip", status_code=303, headers=_HEADERS)
        return lookup_page(404, problem=NOT_HERE_TR)

    @router.post("")
    async def show(request: Request) -> Response:
        posted = await tracked(request)
        if isinstance(posted, Response):
            return posted
        return await application_page(posted.found, posted.code)

    @router.post("/{path}")
    async def request_action(path: str, request: Request) -> Response:
        action = ACTIONS_BY_PATH.get(path)
        if action is None:
            return lookup_page(404)
        posted = await tracked(request)
        if isinstance(posted, Response):
            return posted
        form, found, code = posted.form, posted.found, posted.code
        key, now = form.get("idempotency_key", ""), runtime.gateway.clock.now()
        canonical = str(found.row.application_number)
        if not key or not signer.valid(form.get("csrf_token", ""), canonical, action, key, now):
            return lookup_page(403, canonical, FORM_EXPIRED_TR)
        text = form.get("metin", "")
        if action == "withdrawal" and form.get("onay") != "evet":
            failed = Failed(action, CONFIRMATION_MISSING_TR, "onay")
            return await application_page(found, code, status=422, failed=failed, entered={action: text})
        done = await perform(
            runtime, found, action, _command(action, text), key, request.headers.get("x-request-id")
        )
        if done.code is not None:
            message = FORM_ALREADY_SENT_TR if done.code == "IDEMPOTENCY_KEY_REUSED" else done.message_tr
            failed = Failed(action, message, done.field)
            return await application_page(
                found, code, status=done.status, failed=failed, entered={action: text}
            )
        return await application_page(found, code, accepted=done.message_tr)

    return router


async def _bounded_body(request: Request) -> bytes:
    """Returns the request body, refusing (FormTooLarge) to read more than a form can need."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_FORM_BYTES:
        raise FormTooLarge
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise FormTooLarge
    return bytes(body)
