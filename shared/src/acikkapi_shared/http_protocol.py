"""Two rules of HTTP (RFC 9110) the server below FastAPI leaves to the application, kept here for every
service (create_http_app installs both).

HEAD on every GET route (§9.1: a general-purpose server MUST support GET and HEAD).

FastAPI registers a GET route for GET only, so `curl -I`, link checkers and uptime monitors got 405.
HeadAsGet runs a HEAD request as the GET it asks about and sends that answer's status and headers
(Content-Length included) without its body. A route that has no GET answers as it does to a GET
(405 with its Allow header). What the GET does, a HEAD does too: a tracking look-up with a wrong code
counts against the failure limit either way.

A field value without the blanks around it (§5.5: leading and trailing whitespace is not part of it).
The HTTP parser drops the leading ones only, so `Idempotency-Key: abc ` was another key than `abc`
and a client's retry registered a second application; TrimmedHeaders strips both ends.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGet:
    """ASGI middleware: a HEAD request is served by the app as a GET, and its body left out."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] != "http.response.body":
                await send(message)
            elif not message.get("more_body", False):
                await send({"type": "http.response.body", "body": b"", "more_body": False})

        await self.app({**scope, "method": "GET"}, receive, headers_only)


_WHITESPACE = b" \t"  # OWS: space and horizontal tab


class TrimmedHeaders:
    """ASGI middleware: every header value without leading or trailing spaces and tabs."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = scope["headers"]
            if any(value[-1:] in (b" ", b"\t") or value[:1] in (b" ", b"\t") for _, value in headers):
                scope = {**scope, "headers": [(name, value.strip(_WHITESPACE)) for name, value in headers]}
        await self.app(scope, receive, send)
