"""HEAD is answered on every GET route, as the GET without its body (RFC 9110 §9.1), and header values
come without the blanks around them (§5.5)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
from fastapi import FastAPI, Header
from fastapi.responses import PlainTextResponse, StreamingResponse

from acikkapi_shared.http_protocol import HeadAsGet, TrimmedHeaders


def app_with_head() -> FastAPI:
    app = FastAPI()
    app.add_middleware(HeadAsGet)

    @app.get("/page")
    async def page() -> PlainTextResponse:
        return PlainTextResponse("Başvurunuz alındı.", headers={"Cache-Control": "no-store"})

    @app.get("/stream")
    async def stream() -> StreamingResponse:
        async def parts() -> AsyncIterator[bytes]:
            yield b"one,"
            yield b"two"

        return StreamingResponse(parts(), media_type="text/csv")

    @app.post("/only-post")
    async def only_post() -> dict[str, str]:
        return {}

    return app


async def test_head_answers_the_get_status_and_headers_without_the_body() -> None:
    transport = httpx.ASGITransport(app=app_with_head())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        got = await client.get("/page")
        head = await client.head("/page")
        assert head.status_code == got.status_code == 200
        assert head.content == b""
        assert head.headers["content-length"] == got.headers["content-length"] == str(len(got.content))
        assert head.headers["cache-control"] == "no-store"
        streamed = await client.head("/stream")
        assert (streamed.status_code, streamed.content) == (200, b"")
        assert (await client.head("/missing")).status_code == 404
        refused = await client.head("/only-post")
        assert refused.status_code == 405 and refused.headers["allow"] == "POST"


async def test_header_values_come_without_the_blanks_around_them() -> None:
    app = FastAPI()
    app.add_middleware(TrimmedHeaders)

    @app.get("/key")
    async def key(idempotency_key: str = Header()) -> dict[str, str]:
        return {"key": idempotency_key}

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        for sent in ("tk1", "tk1 ", "tk1\t", " tk1", "\t tk1 \t"):
            answer = await client.get("/key", headers={"Idempotency-Key": sent})
            assert answer.json() == {"key": "tk1"}, repr(sent)
        inner = await client.get("/key", headers={"Idempotency-Key": "a b"})
        assert inner.json() == {"key": "a b"}  # only the ends
