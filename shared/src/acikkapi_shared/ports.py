"""Default ports of the local system: the one table that each service's entry point and the dev stack read.

The `acikkapi` command imports this on every invocation (the `replay` group takes its service names from
here), so it must stay free of anything beyond the standard library.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

# In pipeline order, which is also the order the dev stack starts them in.
SERVICE_PORTS: Final[Mapping[str, int]] = MappingProxyType(
    {"intake": 8001, "router": 8002, "sla-monitor": 8003, "notifier": 8004}
)
SMS_GATEWAY_PORT: Final = 8025
KAFKA_PORT: Final = 9092


def port_variable(service: str) -> str:
    """Returns the environment variable that overrides a service's port: ACIKKAPI_<SERVICE>_PORT."""
    return f"ACIKKAPI_{service.upper().replace('-', '_')}_PORT"
