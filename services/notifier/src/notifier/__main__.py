"""Runs the notifier service: `python -m notifier` (settings from ACIKKAPI_* environment variables)."""

from __future__ import annotations

from acikkapi_shared.ports import SERVICE_PORTS
from acikkapi_shared.serve import run_service
from notifier.app import build_app

if __name__ == "__main__":
    run_service("notifier", SERVICE_PORTS["notifier"], build_app)
