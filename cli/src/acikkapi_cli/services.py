"""The services as the CLI reaches them: through each one's composition root, never by hand."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Protocol

from acikkapi_shared.events.topics import SERVICES
from acikkapi_shared.runtime import ServiceRuntime
from acikkapi_shared.settings import ServiceSettings, load_settings

_ROOTS = {
    "intake": "intake.app",
    "router": "router.app",
    "sla-monitor": "sla_monitor.app",
    "notifier": "notifier.app",
}


class _BuildRuntime(Protocol):
    def __call__(self, settings: ServiceSettings) -> ServiceRuntime: ...


def service_settings(service: str, data_dir: Path | None) -> ServiceSettings:
    """Returns a service's settings from the environment, with data_dir when given."""
    settings = load_settings(service, 0)
    return settings if data_dir is None else settings.model_copy(update={"data_dir": data_dir})


def runtime_of(service: str, data_dir: Path | None = None) -> ServiceRuntime:
    """Returns the service's runtime as its composition root builds it (not started)."""
    if service not in SERVICES:
        raise SystemExit(f"unknown service {service!r}: one of {', '.join(SERVICES)}")
    build: _BuildRuntime = importlib.import_module(_ROOTS[service]).build_runtime
    return build(service_settings(service, data_dir))
