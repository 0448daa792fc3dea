"""Runs the notifier service: `python -m notifier` (settings from ACIKKAPI_* environment variables)."""

from __future__ import annotations

from acikkapi_shared.serve import run_service
from notifier.app import build_app

if __name__ == "__main__":
    run_service("notifier", 8004, build_app)
