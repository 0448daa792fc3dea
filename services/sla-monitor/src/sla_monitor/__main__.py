"""Runs the sla-monitor service: `python -m sla_monitor` (settings from ACIKKAPI_* environment variables)."""

from __future__ import annotations

from acikkapi_shared.ports import SERVICE_PORTS
from acikkapi_shared.serve import run_service
from sla_monitor.app import build_app

if __name__ == "__main__":
    run_service("sla-monitor", SERVICE_PORTS["sla-monitor"], build_app)
