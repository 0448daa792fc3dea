"""What a service does to the garbage collector once it is built, and whom it believes a client is."""

from __future__ import annotations

import gc
import subprocess
import sys
import time

import httpx

from acikkapi_shared.serve import GC_THRESHOLDS, tune_garbage_collection
from acikkapi_shared.testing.infra import free_port


def test_a_built_service_freezes_what_exists_and_collects_rarely() -> None:
    thresholds = gc.get_threshold()
    try:
        tune_garbage_collection()
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == GC_THRESHOLDS
        assert GC_THRESHOLDS[0] > thresholds[0]
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)


SERVER = """
import sys
from fastapi import FastAPI, Request
from acikkapi_shared.serve import serve

app = FastAPI()


@app.get("/who")
async def who(request: Request) -> dict[str, str]:
    return {"client": request.client.host if request.client else ""}


serve(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", trusted_proxies=sys.argv[2])
"""


def _client_seen(trusted_proxies: str) -> str:
    """Returns the client address a served app sees for a local request that names another one."""
    port = free_port()
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(port), trusted_proxies])
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/who", headers={"X-Forwarded-For": "10.9.8.7"})
                return str(answer.json()["client"])
            except httpx.TransportError:
                assert server.poll() is None and time.monotonic() < deadline, "the server did not start"
                time.sleep(0.05)
    finally:
        server.terminate()
        server.wait(10)


def test_a_local_client_cannot_name_its_own_address_in_a_forwarded_header() -> None:
    # uvicorn's default believes X-Forwarded-For from 127.0.0.1: any local client (or a proxy passing
    # the header through) could pick the address the tracking page's failure limit counts.
    assert _client_seen("") == "127.0.0.1"


def test_a_trusted_proxy_names_the_client() -> None:
    assert _client_seen("127.0.0.1") == "10.9.8.7"
