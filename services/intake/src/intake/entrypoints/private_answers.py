"""Answers that carry an applicant's tracking code or data are kept out of every cache and never sent on
as a referrer: `Cache-Control: no-store` and `Referrer-Policy: no-referrer` on every answer of intake's
JSON API (`/api/v1/`: the citizen's look-ups and requests, the desk, the office), whatever produced it —
a route, a refusal of its own or the framework's (a body that does not validate). The tracking page
sends the same headers on its own answers.

A plain ASGI middleware, so it sees the answers of the exception handlers too.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PRIVATE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
PRIVATE_PATHS = ("/api/v1/",)


class PrivateAnswers:
    """Puts PRIVATE_HEADERS on every HTTP answer under the given path prefixes."""

    def __init__(self, app: ASGIApp, *, prefixes: tuple[str, ...] = PRIVATE_PATHS) -> None:
        self._app = app
        self._prefixes = prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope.get("path", "")).startswith(self._prefixes):
            await self._app(scope, receive, send)
            return

        async def send_private(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in PRIVATE_HEADERS.items():
                    headers[name] = value
            await send(message)

        await self._app(scope, receive, send_private)
