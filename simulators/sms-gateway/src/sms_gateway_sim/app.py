"""The simulator's HTTP app: Netgsm's send and delivery-report endpoints plus /_sim endpoints for tests."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from sms_gateway_sim.connections import ConnectionRegistry
from sms_gateway_sim.faults import UNAUTHORIZED_STATUS, FaultPlan, parse_faults
from sms_gateway_sim.netgsm import normalise_number
from sms_gateway_sim.report import DeliveryPlan, handle_report, parse_delivery
from sms_gateway_sim.send import IDEMPOTENCY_HEADER, SendAnswer, handle_send
from sms_gateway_sim.state import SimulatorSettings, SimulatorState

__all__ = ["IDEMPOTENCY_HEADER", "SimulatorSettings", "create_app", "server_config"]

logger = logging.getLogger(__name__)
# How long to wait for the server to notice a dropped connection (it does within a loop turn).
DROP_NOTICE_TIMEOUT_SECONDS = 1.0


def server_config(settings: SimulatorSettings | None = None, **options: Any) -> uvicorn.Config:
    """Returns a uvicorn config that serves the simulator and lets it drop connections.

    options: further uvicorn.Config arguments (host, port, log_level, ...).
    """
    connections = ConnectionRegistry()
    return uvicorn.Config(
        create_app(settings, connections=connections), http=connections.protocol_class(), **options
    )


def create_app(
    settings: SimulatorSettings | None = None,
    *,
    clock: Callable[[], float] = time.time,
    connections: ConnectionRegistry | None = None,
) -> FastAPI:
    """Returns the simulator app; clock gives unix seconds for received_at.

    connections: the registry of the serving uvicorn (see server_config); without it a
    drop_connection outage answers 503 instead.
    """
    state = SimulatorState.create(settings or SimulatorSettings())

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        state.open()
        try:
            yield
        finally:
            state.close()

    app = FastAPI(title="Açık Kapı SMS gateway simulator (Netgsm API shape)", lifespan=lifespan)
    app.state.simulator = state

    @app.post("/sms/rest/v2/send")
    async def send(request: Request) -> Response:
        # The whole request is read and handled before any injected latency: a client that gives
        # up waiting still leaves an accepted message behind, as with a real provider.
        raw_body = await request.body()
        can_drop = (
            state.faults.drop_connection and connections is not None and connections.knows(request.scope)
        )
        answer = handle_send(state, request.headers, raw_body, clock(), can_drop=can_drop)
        if state.faults.latency_ms:
            await asyncio.sleep(state.faults.latency_ms / 1000)
        if answer.status is None and connections is not None:
            await _drop(request, connections)
        return _response(answer)

    @app.post("/sms/rest/v2/report")
    async def report(request: Request) -> JSONResponse:
        answer = handle_report(request.headers.get("authorization"), await request.body(), state, clock())
        return JSONResponse(answer.body, status_code=answer.status)

    @app.api_route("/_sim/delivery", methods=["GET", "HEAD"])
    async def show_delivery() -> JSONResponse:
        return JSONResponse(state.delivery.as_dict())

    @app.post("/_sim/delivery")
    async def set_delivery(request: Request) -> JSONResponse:
        try:
            state.delivery = parse_delivery(await request.json(), state.settings.delivery_delay_ms)
        except (ValueError, TypeError) as wrong:
            return JSONResponse({"detail": str(wrong)}, status_code=400)
        return JSONResponse(state.delivery.as_dict())

    @app.delete("/_sim/delivery")
    async def reset_delivery() -> JSONResponse:
        state.delivery = DeliveryPlan(delay_ms=state.settings.delivery_delay_ms)
        return JSONResponse(state.delivery.as_dict())

    @app.api_route("/_sim/messages", methods=["GET", "HEAD"])
    async def list_messages(no: str | None = None, since: str | None = None) -> JSONResponse:
        return _selected(state.store.select, no, since)

    @app.api_route("/_sim/requests", methods=["GET", "HEAD"])
    async def list_requests(no: str | None = None, since: str | None = None) -> JSONResponse:
        return _selected(state.requests.select, no, since)

    @app.delete("/_sim/messages")
    async def clear_messages() -> dict[str, Any]:
        state.clear()
        return {"cleared": True}

    @app.api_route("/_sim/stats", methods=["GET", "HEAD"])
    async def stats() -> JSONResponse:
        return JSONResponse(state.stats())

    @app.api_route("/_sim/faults", methods=["GET", "HEAD"])
    async def show_faults() -> JSONResponse:
        return JSONResponse(state.faults.as_dict())

    @app.post("/_sim/faults")
    async def set_faults(request: Request) -> JSONResponse:
        try:
            state.faults = parse_faults(await request.json())
        except (ValueError, TypeError) as wrong:
            return JSONResponse({"detail": str(wrong)}, status_code=400)
        if state.faults.drop_connection and (connections is None or not connections.knows(request.scope)):
            logger.warning(
                "this server cannot drop connections (not started by server_config): sends get 503"
            )
        return JSONResponse(state.faults.as_dict())

    @app.delete("/_sim/faults")
    async def clear_faults() -> JSONResponse:
        state.faults = FaultPlan()
        return JSONResponse(state.faults.as_dict())

    @app.api_route("/healthz", methods=["GET", "HEAD"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


async def _drop(request: Request, connections: ConnectionRegistry) -> None:
    """Aborts the request's connection and waits until the server has noticed.

    Then the server does not even try to write the response the endpoint returns afterwards
    (a closed transport would discard it, but that is the transport's business).
    """
    if not connections.abort(request.scope):
        return  # the client has already gone, e.g. timed out during the latency
    try:
        async with asyncio.timeout(DROP_NOTICE_TIMEOUT_SECONDS):
            while (await request.receive())["type"] != "http.disconnect":
                pass
    except TimeoutError:
        logger.warning(
            "the server did not notice a dropped connection within %ss", DROP_NOTICE_TIMEOUT_SECONDS
        )


def _response(answer: SendAnswer) -> Response:
    """Returns the HTTP response for a send answer; without a Netgsm body, a plain-text status line."""
    if answer.status is None:
        return Response(status_code=HTTPStatus.SERVICE_UNAVAILABLE)  # never written: connection dropped
    if answer.body is not None:
        return JSONResponse(answer.body, status_code=answer.status)
    # A 401 from an HTTP gateway challenges for Basic credentials, as RFC 9110 requires.
    headers = {"WWW-Authenticate": 'Basic realm="api"'} if answer.status == UNAUTHORIZED_STATUS else None
    return PlainTextResponse(HTTPStatus(answer.status).phrase, status_code=answer.status, headers=headers)


def _selected(select: Callable[..., Sequence[Any]], no: str | None, since: str | None) -> JSONResponse:
    """Returns what select gives for this number (normalised) and since, or 400 for a bad since."""
    number = None if no is None else (normalise_number(no) or no)
    try:
        threshold = None if since is None else _parse_since(since)
    except ValueError:
        return JSONResponse({"detail": "since: unix seconds or ISO 8601"}, status_code=400)
    return JSONResponse(select(no=number, since=threshold))


def _parse_since(text: str) -> float:
    """Returns unix seconds from a number or an ISO 8601 timestamp (naive means UTC)."""
    try:
        return float(text)
    except ValueError:
        moment = datetime.fromisoformat(text)
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
