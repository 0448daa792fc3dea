"""Runs the simulator on a free loopback port in a background thread, for tests."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from sms_gateway_sim.app import SimulatorSettings, server_config

STARTUP_TIMEOUT_SECONDS = 10.0


@contextmanager
def running_simulator(settings: SimulatorSettings | None = None) -> Iterator[str]:
    """Yields the base URL (http://127.0.0.1:PORT) of a simulator serving over real HTTP."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = server_config(settings, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the SMS gateway simulator did not start")
        time.sleep(0.01)  # polling a flag with a deadline, not waiting for time to pass
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=STARTUP_TIMEOUT_SECONDS)
        sock.close()
