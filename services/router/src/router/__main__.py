"""Runs the router service: `python -m router` (settings from ACIKKAPI_* environment variables)."""

from __future__ import annotations

from acikkapi_shared.ports import SERVICE_PORTS
from acikkapi_shared.serve import run_service
from router.app import build_app

if __name__ == "__main__":
    run_service("router", SERVICE_PORTS["router"], build_app)
