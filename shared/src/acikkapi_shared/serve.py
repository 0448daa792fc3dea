"""Runs a service's ASGI app with uvicorn; SIGINT/SIGTERM stop it cleanly through the lifespan."""

from __future__ import annotations

import gc
from collections.abc import Callable

import uvicorn
from fastapi import FastAPI

from acikkapi_shared.observability.logging import configure_logging
from acikkapi_shared.settings import ServiceSettings, load_settings


def serve(app: FastAPI, *, host: str, port: int, log_level: str = "info", trusted_proxies: str = "") -> None:
    """Serves the app until a stop signal; the lifespan stops consumers and closes the database.
    Forwarded headers are read only from trusted_proxies (uvicorn's default trusts 127.0.0.1, which
    would let any local client choose the address it is counted as)."""
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level=log_level.lower(),
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
        proxy_headers=bool(trusted_proxies),
        forwarded_allow_ips=trusted_proxies or None,
    )


# Young collections every 20,000 allocations instead of 700, the oldest generation only after 100 of
# the middle one. A service keeps folded states and read caches for its whole life, so the default
# thresholds walked that whole heap again and again: a tenth of the services' CPU under load, most of
# it in full collections (measured with gc.callbacks around a flat-out bench/e2e_throughput.py run).
GC_THRESHOLDS = (20_000, 50, 100)


def tune_garbage_collection() -> None:
    """Moves what exists now (modules, reference data, models) out of the collector's sight for
    good and makes collections rarer: call it once the service is built."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def run_service(name: str, default_port: int, build_app: Callable[[ServiceSettings], FastAPI]) -> None:
    """Reads the service's settings from the environment, sets up logging and serves until stopped."""
    settings = load_settings(name, default_port)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    configure_logging(name, level=settings.log_level, json=settings.log_json)
    app = build_app(settings)
    tune_garbage_collection()
    serve(
        app,
        host=settings.http_host,
        port=settings.http_port,
        log_level=settings.log_level,
        trusted_proxies=settings.trusted_proxies,
    )
