"""The simulator's HTTP app: Netgsm's send endpoint plus /_sim endpoints for tests."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from sms_gateway_sim.netgsm import (
    ERROR_STATUS,
    PARAMETER_ERROR,
    SUCCESS,
    SYSTEM_ERROR,
    NetgsmError,
    check_basic_auth,
    error_body,
    normalise_number,
    parse_send_request,
)
from sms_gateway_sim.store import MessageStore

IDEMPOTENCY_HEADER = "Idempotency-Key"


@dataclass(frozen=True)
class SimulatorSettings:
    """Credentials the simulator accepts and where it keeps what it receives."""

    usercode: str = "acikkapi"
    password: str = "acikkapi"
    store_path: Path | None = None
    allowed_headers: frozenset[str] | None = None  # None: any header of 1-11 characters


@dataclass
class FaultPlan:
    """Failures to inject: the next fail_next sends answer status (with a Netgsm code if 406)."""

    fail_next: int = 0
    status: int = 500
    code: str | None = None
    latency_ms: int = 0

    def as_dict(self) -> dict[str, Any]:
        """Returns the plan as JSON."""
        return {
            "fail_next": self.fail_next,
            "status": self.status,
            "code": self.code,
            "latency_ms": self.latency_ms,
        }


@dataclass
class SimulatorState:
    """What one running simulator holds."""

    settings: SimulatorSettings
    store: MessageStore
    faults: FaultPlan = field(default_factory=FaultPlan)
    job_numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))


def create_app(
    settings: SimulatorSettings | None = None, *, clock: Callable[[], float] = time.time
) -> FastAPI:
    """Returns the simulator app; clock gives unix seconds for received_at."""
    settings = settings or SimulatorSettings()
    state = SimulatorState(settings=settings, store=MessageStore(path=settings.store_path))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        state.store.open()
        last_job = max((int(m["jobid"]) for m in state.store.messages), default=0)
        state.job_numbers = itertools.count(last_job + 1)
        try:
            yield
        finally:
            state.store.close()

    app = FastAPI(title="Açık Kapı SMS gateway simulator (Netgsm API shape)", lifespan=lifespan)
    app.state.simulator = state

    @app.post("/sms/rest/v2/send")
    async def send(request: Request) -> JSONResponse:
        # The whole request is read and handled before any injected latency: a client that gives
        # up waiting still leaves an accepted message behind, as with a real provider.
        raw_body = await request.body()
        response = _handle_send(state, request.headers, raw_body, clock())
        if state.faults.latency_ms:
            await asyncio.sleep(state.faults.latency_ms / 1000)
        return response

    @app.get("/_sim/messages")
    async def list_messages(no: str | None = None, since: str | None = None) -> JSONResponse:
        number = None if no is None else (normalise_number(no) or no)
        try:
            threshold = None if since is None else _parse_since(since)
        except ValueError:
            return JSONResponse({"detail": "since: unix seconds or ISO 8601"}, status_code=400)
        return JSONResponse(state.store.select(no=number, since=threshold))

    @app.delete("/_sim/messages")
    async def clear_messages() -> dict[str, Any]:
        state.store.clear()
        return {"cleared": True}

    @app.get("/_sim/stats")
    async def stats() -> dict[str, int]:
        return state.store.counters.as_dict()

    @app.get("/_sim/faults")
    async def show_faults() -> dict[str, Any]:
        return state.faults.as_dict()

    @app.post("/_sim/faults")
    async def set_faults(request: Request) -> JSONResponse:
        try:
            state.faults = _parse_faults(await request.json())
        except (ValueError, TypeError) as wrong:
            return JSONResponse({"detail": str(wrong)}, status_code=400)
        return JSONResponse(state.faults.as_dict())

    @app.delete("/_sim/faults")
    async def clear_faults() -> dict[str, Any]:
        state.faults = FaultPlan()
        return state.faults.as_dict()

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def _handle_send(
    state: SimulatorState, headers: Mapping[str, str], raw_body: bytes, now: float
) -> JSONResponse:
    """Returns the answer to one send request, storing its messages when accepted."""
    faults = state.faults
    if faults.fail_next > 0:
        faults.fail_next -= 1
        state.store.counters.faults += 1
        code = faults.code or (SYSTEM_ERROR if faults.status >= 500 else "5000")
        return JSONResponse(error_body(code), status_code=faults.status)
    try:
        check_basic_auth(headers.get("authorization"), state.settings.usercode, state.settings.password)
        try:
            body = json.loads(raw_body)
        except ValueError as malformed:
            raise NetgsmError(PARAMETER_ERROR) from malformed
        parsed = parse_send_request(body, allowed_headers=state.settings.allowed_headers)
    except NetgsmError as refused:
        state.store.counters.rejected += 1
        return JSONResponse(error_body(refused.code), status_code=ERROR_STATUS)
    key = headers.get(IDEMPOTENCY_HEADER) or None
    known_job = state.store.job_for(key)
    if known_job is not None:
        state.store.counters.duplicates += 1
        return _accepted(known_job)
    jobid = f"{next(state.job_numbers):010d}"
    received_iso = datetime.fromtimestamp(now, UTC).isoformat()
    state.store.add(
        [
            {
                "id": f"{jobid}-{index}",
                "jobid": jobid,
                "msgheader": parsed.msgheader,
                "no": message.no,
                "msg": message.msg,
                "encoding": parsed.encoding,
                "iysfilter": parsed.iysfilter,
                "idempotency_key": key,
                "received_at": now,
                "received_at_iso": received_iso,
            }
            for index, message in enumerate(parsed.messages, start=1)
        ]
    )
    return _accepted(jobid)


def _accepted(jobid: str) -> JSONResponse:
    """Returns Netgsm's success answer for this job."""
    return JSONResponse({"code": SUCCESS, "jobid": jobid, "description": "queued"})


def _parse_since(text: str) -> float:
    """Returns unix seconds from a number or an ISO 8601 timestamp (naive means UTC)."""
    try:
        return float(text)
    except ValueError:
        moment = datetime.fromisoformat(text)
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def _parse_faults(body: Any) -> FaultPlan:
    """Returns the fault plan described by a /_sim/faults body."""
    if not isinstance(body, dict):
        raise ValueError("expected a JSON object")
    unknown = set(body) - {"fail_next", "status", "code", "latency_ms"}
    if unknown:
        raise ValueError(f"unknown fields: {sorted(unknown)}")
    plan = FaultPlan(
        fail_next=int(body.get("fail_next", 0)),
        status=int(body.get("status", 500)),
        code=None if body.get("code") is None else str(body["code"]),
        latency_ms=int(body.get("latency_ms", 0)),
    )
    if plan.fail_next < 0 or plan.latency_ms < 0 or not 100 <= plan.status <= 599:
        raise ValueError("fail_next and latency_ms must be >= 0, status an HTTP status")
    return plan
