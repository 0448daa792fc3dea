"""The stage table (stage_messages.yaml): which upstream event sends which SMS, loaded and checked once.

A table that names an unknown event, template, parameter or event field, or leaves out a parameter
a template needs, stops the notifier at start instead of failing on the first such event.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from typing import Any

import yaml

from acikkapi_shared.events import intake, router, sla_monitor
from acikkapi_shared.events.base import EventPayload
from notifier.domain.stage_messages import PARAMETERS, REQUIRED

TABLE_FILE = "stage_messages.yaml"
_KEYS = frozenset({"template", "urgent", "parameters"})


class StageTableInvalid(ValueError):
    """The stage table does not describe SMS the notifier can send."""


@dataclass(frozen=True)
class StageEntry:
    """One upstream event type's SMS."""

    event_type: str
    template: str
    urgent: bool
    parameters: Mapping[str, str]  # template parameter -> field of the event


@dataclass(frozen=True)
class StageTable:
    """The stage table by upstream event type."""

    entries: Mapping[str, StageEntry]

    @property
    def event_types(self) -> frozenset[str]:
        """Returns the upstream event types that send an SMS."""
        return frozenset(self.entries)

    def parameters_of(self, event: EventPayload) -> dict[str, str]:
        """Returns the entry's parameters read from the event (moments in ISO 8601)."""
        values: dict[str, str] = {}
        for parameter, field in self.entries[event.TYPE].parameters.items():
            value = getattr(event, field)
            values[parameter] = value.isoformat() if isinstance(value, datetime) else str(value)
        return values


def upstream_event_classes() -> dict[str, type[EventPayload]]:
    """Returns the public event classes of the services the notifier follows, by type name."""
    return {
        value.TYPE: value
        for module in (intake, router, sla_monitor)
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, EventPayload) and value is not EventPayload
    }


def load_stage_table(text: str | None = None) -> StageTable:
    """Returns the stage table parsed from text (default: the packaged stage_messages.yaml)."""
    if text is None:
        text = resources.files(__package__).joinpath(TABLE_FILE).read_text("utf-8")
    document = yaml.safe_load(text)
    if not isinstance(document, dict) or not document:
        raise StageTableInvalid("the stage table is not a mapping of event types")
    classes = upstream_event_classes()
    entries = {
        str(event_type): _entry(str(event_type), spec, classes) for event_type, spec in document.items()
    }
    return StageTable(entries=entries)


def _entry(event_type: str, spec: Any, classes: Mapping[str, type[EventPayload]]) -> StageEntry:
    """Returns one checked entry."""
    if event_type not in classes:
        raise StageTableInvalid(f"{event_type}: not an event of intake, router or sla-monitor")
    if not isinstance(spec, dict) or set(spec) - _KEYS or "template" not in spec:
        raise StageTableInvalid(f"{event_type}: an entry has template, urgent and parameters only")
    template = spec["template"]
    if template not in REQUIRED:
        raise StageTableInvalid(f"{event_type}: no template named {template!r}")
    urgent = spec.get("urgent", False)
    if not isinstance(urgent, bool):
        raise StageTableInvalid(f"{event_type}: urgent is true or false")
    parameters = spec.get("parameters") or {}
    if not isinstance(parameters, dict):
        raise StageTableInvalid(f"{event_type}: parameters map template parameters to event fields")
    fields = classes[event_type].model_fields
    if "application_number" not in fields:
        raise StageTableInvalid(f"{event_type}: the event names no application")
    for parameter, field in parameters.items():
        if parameter not in PARAMETERS:
            raise StageTableInvalid(f"{event_type}: no template parameter named {parameter!r}")
        if field not in fields:
            raise StageTableInvalid(f"{event_type}: the event has no field {field!r}")
    missing = REQUIRED[template] - set(parameters)
    if missing:
        raise StageTableInvalid(f"{event_type}: {template} needs {', '.join(sorted(missing))}")
    return StageEntry(
        event_type=event_type,
        template=str(template),
        urgent=urgent,
        parameters={str(parameter): str(field) for parameter, field in parameters.items()},
    )
