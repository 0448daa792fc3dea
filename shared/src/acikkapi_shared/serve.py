"""Runs a service's ASGI app with uvicorn; SIGINT/SIGTERM stop it cleanly through the lifespan."""

from __future__ import annotations

from collections.abc import Callable

import uvicorn
from fastapi import FastAPI

from acikkapi_shared.observability.logging import configure_logging
from acikkapi_shared.settings import ServiceSettings, load_settings


def serve(app: FastAPI, *, host: str, port: int, log_level: str = "info") -> None:
    """Serves the app until a stop signal; the lifespan stops consumers and closes the database."""
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level=log_level.lower(),
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
    )


def run_service(name: str, default_port: int, build_app: Callable[[ServiceSettings], FastAPI]) -> None:
    """Reads the service's settings from the environment, sets up logging and serves until stopped."""
    settings = load_settings(name, default_port)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    configure_logging(name, level=settings.log_level, json=settings.log_json)
    serve(build_app(settings), host=settings.http_host, port=settings.http_port, log_level=settings.log_level)
