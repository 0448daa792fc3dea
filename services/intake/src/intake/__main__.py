"""Runs the intake service: `python -m intake` (settings from ACIKKAPI_* environment variables)."""

from __future__ import annotations

from acikkapi_shared.ports import SERVICE_PORTS
from acikkapi_shared.serve import run_service
from intake.app import build_app

if __name__ == "__main__":
    run_service("intake", SERVICE_PORTS["intake"], build_app)
