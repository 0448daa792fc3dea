"""Helpers for tests: a simulator on a free loopback port, and a typed client of its /_sim endpoints."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypedDict, Unpack, cast
from urllib.parse import urlencode

import uvicorn

from sms_gateway_sim.app import SimulatorSettings, server_config
from sms_gateway_sim.faults import FaultSettings
from sms_gateway_sim.report import DeliverySettings
from sms_gateway_sim.request_log import RequestRecord
from sms_gateway_sim.state import Stats
from sms_gateway_sim.store import MessageRecord

__all__ = [
    "DeliverySettings",
    "FaultRequest",
    "FaultSettings",
    "MessageRecord",
    "RequestRecord",
    "SimulatorControl",
    "SimulatorError",
    "Stats",
    "running_simulator",
]

STARTUP_TIMEOUT_SECONDS = 10.0
POLL_INTERVAL_SECONDS = 0.01


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
        time.sleep(POLL_INTERVAL_SECONDS)  # polling a flag with a deadline, not waiting for time to pass
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=STARTUP_TIMEOUT_SECONDS)
        sock.close()


class FaultRequest(TypedDict, total=False):
    """The fields of POST /_sim/faults; each one left out is off (see the simulator's README)."""

    fail_next: int
    status: int
    code: str
    latency_ms: int
    down: bool
    drop_connection: bool
    unauthorized: bool
    account_refused: str


class SimulatorError(RuntimeError):
    """A /_sim endpoint answered with an HTTP error status."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"HTTP {status}: {detail}")
        self.status = status
        self.detail = detail


class SimulatorControl:
    """The simulator's /_sim endpoints, typed.

    Its calls block, so the simulator must run in another thread or process (running_simulator,
    the dev stack); blocking an async test's loop for a loopback call is harmless there.
    """

    def __init__(self, base_url: str, *, timeout: float = 5.0) -> None:
        self._base_url = base_url.rstrip("/")
        self._timeout = timeout
        # No proxy from the environment may stand between a test and its loopback simulator.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def set_faults(self, **plan: Unpack[FaultRequest]) -> FaultSettings:
        """Replaces the fault plan; raises SimulatorError (400) for an invalid one."""
        return cast(FaultSettings, self._call("POST", "/_sim/faults", body=plan))

    def clear_faults(self) -> FaultSettings:
        """Turns every fault off, latency included."""
        return cast(FaultSettings, self._call("DELETE", "/_sim/faults"))

    def faults(self) -> FaultSettings:
        """Returns the fault plan in force (fail_next counts down as sends use it)."""
        return cast(FaultSettings, self._call("GET", "/_sim/faults"))

    @contextmanager
    def injecting(self, **plan: Unpack[FaultRequest]) -> Iterator[FaultSettings]:
        """Sets the fault plan for the with block and clears every fault when it ends."""
        settings = self.set_faults(**plan)
        try:
            yield settings
        finally:
            self.clear_faults()

    def set_delivery(self, *, delay_ms: int, statuses: Mapping[str, int] | None = None) -> DeliverySettings:
        """Replaces the delivery plan: reports say 0 for delay_ms, then each number's status (1 unless
        statuses names it)."""
        body = {"delay_ms": delay_ms, "statuses": dict(statuses or {})}
        return cast(DeliverySettings, self._call("POST", "/_sim/delivery", body=body))

    def reset_delivery(self) -> DeliverySettings:
        """Returns the delivery plan to the configured delay, everything delivered."""
        return cast(DeliverySettings, self._call("DELETE", "/_sim/delivery"))

    def requests(self, *, no: str | None = None, since: float | str | None = None) -> list[RequestRecord]:
        """Returns the raw log of send requests in arrival order, duplicates by key included."""
        return cast(list[RequestRecord], self._call("GET", "/_sim/requests", params=_filters(no, since)))

    def messages(self, *, no: str | None = None, since: float | str | None = None) -> list[MessageRecord]:
        """Returns the accepted messages, each job once, oldest first."""
        return cast(list[MessageRecord], self._call("GET", "/_sim/messages", params=_filters(no, since)))

    def stats(self) -> Stats:
        """Returns the counters; deliveries_without_idempotency is what a real Netgsm would deliver."""
        return cast(Stats, self._call("GET", "/_sim/stats"))

    def clear(self) -> None:
        """Forgets messages, idempotency keys, raw requests and counters (not the faults)."""
        self._call("DELETE", "/_sim/messages")

    def wait_for_requests(self, count: int, *, timeout: float = 5.0) -> list[RequestRecord]:
        """Polls until at least count requests are logged and returns them; TimeoutError if not."""
        deadline = time.monotonic() + timeout
        while len(logged := self.requests()) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(logged)} requests logged after {timeout}s, expected {count}")
            time.sleep(POLL_INTERVAL_SECONDS)
        return logged

    def _call(self, method: str, path: str, *, params: Mapping[str, str] = {}, body: Any = None) -> Any:
        """Returns the JSON answer of one call."""
        url = self._base_url + path + (f"?{urlencode(params)}" if params else "")
        data = None if body is None else json.dumps(body).encode()
        headers = {} if data is None else {"Content-Type": "application/json"}
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with self._opener.open(request, timeout=self._timeout) as response:
                return json.load(response)
        except urllib.error.HTTPError as refused:
            raise SimulatorError(refused.code, refused.read().decode("utf-8", "replace")) from None


def _filters(no: str | None, since: float | str | None) -> dict[str, str]:
    """Returns the query parameters of the no= and since= filters that are given."""
    params = {"no": no, "since": None if since is None else str(since)}
    return {name: value for name, value in params.items() if value is not None}
