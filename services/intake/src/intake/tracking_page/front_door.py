"""What a citizen's browser finds at intake's other addresses: the bare host and /takip however it was
typed (/TAKIP, /Takip, /takip/) lead to the tracking page, and an address that is not there is a short
Turkish page (404) linking to it. API clients keep their machine answers: any path under API_PREFIXES
(Open311's in its own `errors` shape), and any request whose Accept header does not put HTML first
(*/*, application/json, none), in the one error shape.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from acikkapi_shared.http_errors import framework_answer
from acikkapi_shared.turkish import search_key
from intake.open311.render import framework_errors
from intake.tracking_page.routes import html_page

TRACKING_PATH = "/takip"
# The APIs' paths: their unknown addresses keep the machine answer whatever the client accepts.
OPEN311_PREFIX = "/open311/"
API_PREFIXES = ("/api/", OPEN311_PREFIX)
# JSON as media ranges name it, the most specific first (RFC 9110 §12.5.1: that one's quality counts).
_JSON_RANGES = ("application/json", "application/*", "*/*")


def prefers_html(accept: str) -> bool:
    """Tells whether an Accept header asks for HTML before JSON: text/html named with a higher quality
    than JSON gets by its most specific range. A browser's does; `*/*`, `application/json`, a tie or
    no header at all do not."""
    html = 0.0
    json: dict[str, float] = {}  # quality by JSON's range
    for part in accept.split(","):
        media, *parameters = (piece.strip().lower() for piece in part.split(";"))
        quality = _quality(parameters)
        if media == "text/html":
            html = max(html, quality)
        elif media in _JSON_RANGES:
            json[media] = max(json.get(media, 0.0), quality)
    json_quality = next((json[media] for media in _JSON_RANGES if media in json), 0.0)
    return html > json_quality


def _quality(parameters: list[str]) -> float:
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip() == "q":
            try:
                return min(max(float(value), 0.0), 1.0)
            except ValueError:
                return 0.0
    return 1.0


def is_tracking_path(path: str) -> bool:
    """Tells whether a path is /takip as a phone may type it: any case (Turkish İ and ı too), with or
    without one trailing slash."""
    trimmed = path[:-1] if path.endswith("/") else path
    return search_key(trimmed) == TRACKING_PATH


def _to_tracking_page(request: Request, status: int) -> Response:
    query = request.url.query  # /takip?numara=… pre-fills the number; it carries no tracking code
    return RedirectResponse(f"{TRACKING_PATH}?{query}" if query else TRACKING_PATH, status_code=status)


def front_door_router() -> APIRouter:
    """Returns the routes of the bare host and of /takip/ (not in the OpenAPI document)."""
    router = APIRouter(include_in_schema=False)

    @router.api_route("/", methods=["GET", "HEAD"])
    async def bare_host(request: Request) -> Response:
        """The bare host: see the tracking page (303; the host may serve more one day)."""
        return _to_tracking_page(request, 303)

    @router.api_route(f"{TRACKING_PATH}/", methods=["GET", "HEAD", "POST"])
    async def with_a_slash(request: Request) -> Response:
        """/takip/: the page's one address (308: a form keeps its method and body)."""
        return _to_tracking_page(request, 308)

    return router


async def refused_elsewhere(request: Request, exc: StarletteHTTPException) -> Response:
    """Answers the framework's refusals outside the staff and citizen JSON API (/api/v1/): /takip
    however typed redirects to it (308), Open311 answers in its own `errors` shape, a browser's unknown
    address outside the APIs gets the Turkish 404 page, anything else the one error shape."""
    path = request.url.path
    if exc.status_code == 404 and is_tracking_path(path):
        return _to_tracking_page(request, 308)
    if path.startswith(OPEN311_PREFIX):
        return framework_errors(request, exc)
    if (
        exc.status_code == 404
        and not path.startswith(API_PREFIXES)
        and prefers_html(request.headers.get("accept", ""))
    ):
        return html_page("not_found.html", 404, title="Sayfa bulunamadı")
    return framework_answer(request, exc)
