"""RED metrics of a service's HTTP endpoints: requests by route template and status class, and latency.

A plain ASGI middleware (no per-request object beyond a closure). The route label is the matched
route's path template (`/api/v1/applications/{number}`), never the path itself: paths carry application
numbers. A request that matched no route is counted under `unmatched`, so scanners cannot grow the
label set.
"""

from __future__ import annotations

import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from acikkapi_shared.observability import metrics

UNMATCHED = "unmatched"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def route_template(scope: Scope) -> str:
    """Returns the path template of the route the request matched, or `unmatched`."""
    route: Any = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else UNMATCHED


def status_class(status: int) -> str:
    """Returns 2xx, 3xx, 4xx or 5xx."""
    return f"{status // 100}xx"


class HttpMetricsMiddleware:
    """Counts and times every HTTP request of the app it wraps (not /metrics itself)."""

    def __init__(self, app: ASGIApp, *, service: str) -> None:
        self._app = app
        self._service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") == "/metrics":
            await self._app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_counted(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self._app(scope, receive, send_counted)
        finally:
            method = str(scope.get("method", "GET"))
            method = method if method in METHODS else "OTHER"
            route = route_template(scope)
            metrics.HTTP_REQUESTS.labels(self._service, method, route, status_class(status)).inc()
            metrics.HTTP_SECONDS.labels(self._service, method, route).observe(time.perf_counter() - started)
