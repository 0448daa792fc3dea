"""An app served over real HTTP for a test (uvicorn on a free port of 127.0.0.1), and JSON bodies the
framework cannot read."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Literal

import uvicorn
from starlette.types import ASGIApp

from acikkapi_shared.testing.infra import free_port

# Bodies sent as application/json that FastAPI refuses before any dependency runs (400 BODY_UNREADABLE).
UNREADABLE_BODIES = {"not json": b"{not json", "nested too deep": b"[" * 100_000 + b"]" * 100_000}


@asynccontextmanager
async def served(app: ASGIApp, *, lifespan: Literal["on", "off"] = "off") -> AsyncIterator[str]:
    """Serves the app until the block ends; yields its base URL. lifespan "on" runs the app's lifespan
    (a service's whole runtime), "off" leaves it to the test (`running(runtime)`)."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False, lifespan=lifespan)
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
