"""HTTP endpoints every service has: /healthz, /readyz, /metrics."""

from __future__ import annotations

import platform
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version

from fastapi import APIRouter, FastAPI, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from acikkapi_shared.http_protocol import HeadAsGet, TrimmedHeaders
from acikkapi_shared.observability import metrics as shared_metrics
from acikkapi_shared.observability.http_metrics import HttpMetricsMiddleware
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
        await runtime.scrape_refreshers.run_due()
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router


def create_http_app(runtime: ServiceRuntime, *, title: str, version: str = "0.1.0") -> FastAPI:
    """Returns the service's FastAPI app; its lifespan runs the whole service."""
    app = FastAPI(title=title, version=version, lifespan=runtime.lifespan())
    app.add_middleware(HeadAsGet)  # innermost: the metrics and logs still see HEAD
    app.add_middleware(TrimmedHeaders)
    app.add_middleware(HttpMetricsMiddleware, service=runtime.name)
    shared_metrics.BUILD_INFO.labels(runtime.name).info(
        {"version": _package_version(runtime.name), "python": platform.python_version()}
    )
    app.include_router(health_router(runtime))
    app.state.runtime = runtime
    return app


def _package_version(service: str) -> str:
    try:
        return package_version(f"acikkapi-{service}")
    except PackageNotFoundError:
        return "unknown"
