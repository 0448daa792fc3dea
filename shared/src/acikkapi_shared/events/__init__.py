"""Public integration events: the envelope, topics, and one module per producing service.

Only these events go to Kafka; a service's private events (a numbering stream, the notifier's copies of
upstream facts, dead letters) stay in its own log, where the auditor reads them.
"""

from __future__ import annotations

from acikkapi_shared.events import intake, notifier, router, sla_monitor
from acikkapi_shared.events.base import EventPayload

_MODULES = (intake, router, sla_monitor, notifier)


def public_event_types() -> frozenset[str]:
    """Returns the type names of every public integration event."""
    return frozenset(
        value.TYPE
        for module in _MODULES
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, EventPayload) and value is not EventPayload
    )
