"""HTTP endpoints every service has: /healthz, /readyz, /metrics."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from acikkapi_shared.runtime import ServiceRuntime


def health_router(runtime: ServiceRuntime) -> APIRouter:
    """Returns the health, readiness and metrics routes of a service."""
    router = APIRouter(tags=["operations"])

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": runtime.name}

    @router.get("/readyz")
    async def readyz() -> JSONResponse:
        checks = await runtime.readiness()
        ready = all(checks.values())
        return JSONResponse(
            {"ready": ready, "service": runtime.name, "checks": checks},
            status_code=200 if ready else 503,
        )

    @router.get("/metrics")
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router


def create_http_app(runtime: ServiceRuntime, *, title: str, version: str = "0.1.0") -> FastAPI:
    """Returns the service's FastAPI app; its lifespan runs the whole service."""
    app = FastAPI(title=title, version=version, lifespan=runtime.lifespan())
    app.include_router(health_router(runtime))
    app.state.runtime = runtime
    return app
