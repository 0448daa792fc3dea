"""Runs the sla-monitor service: `python -m sla_monitor` (settings from ACIKKAPI_* environment variables)."""

from __future__ import annotations

from acikkapi_shared.serve import run_service
from sla_monitor.app import build_app

if __name__ == "__main__":
    run_service("sla-monitor", 8003, build_app)
