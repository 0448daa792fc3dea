"""Base class of event payloads: each knows its type name, its schema version and how to upcast."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


class EventPayload(BaseModel):
    """An event's payload; unknown fields are kept so later versions still parse.

    TYPE defaults to the class name. UPCASTERS maps a stored schema version to the function that
    returns the payload one version later, so old events are upcast when read and never rewritten.
    """

    model_config = ConfigDict(frozen=True, extra="allow")

    TYPE: ClassVar[str]
    SCHEMA_VERSION: ClassVar[int] = 1
    UPCASTERS: ClassVar[Mapping[int, Upcaster]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "TYPE" not in cls.__dict__:
            cls.TYPE = cls.__name__

    def correlates_with(self) -> str | None:
        """Returns the application this event is about when its stream does not say (default: None)."""
        return None

    def to_payload(self) -> dict[str, Any]:
        """Returns the payload as a JSON-ready dict."""
        return self.model_dump(mode="json")

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any], schema_version: int | None = None) -> Self:
        """Parses a payload of this event type stored at schema_version (default: the current one)."""
        version = cls.SCHEMA_VERSION if schema_version is None else schema_version
        if version > cls.SCHEMA_VERSION:
            raise UnknownSchemaVersion(cls.TYPE, version, cls.SCHEMA_VERSION)
        document = dict(payload)
        while version < cls.SCHEMA_VERSION:
            document = cls.UPCASTERS[version](document)
            version += 1
        return cls.model_validate(document)


class UnknownSchemaVersion(ValueError):
    """An event written by a newer version of its producer than this code knows."""

    def __init__(self, event_type: str, found: int, known: int) -> None:
        super().__init__(f"{event_type} schema version {found} is newer than the known {known}")
        self.event_type = event_type


class EventTypes:
    """The event classes a stream or a consumer understands, by type name."""

    def __init__(self, classes: Iterable[type[EventPayload]]) -> None:
        self._by_type = {cls.TYPE: cls for cls in classes}

    def __contains__(self, event_type: object) -> bool:
        return event_type in self._by_type

    @property
    def names(self) -> frozenset[str]:
        """Returns the type names."""
        return frozenset(self._by_type)

    def decode(self, event_type: str, schema_version: int, payload: Mapping[str, Any]) -> EventPayload:
        """Returns the typed payload of a recorded event; KeyError for a type it does not know."""
        return self._by_type[event_type].from_payload(payload, schema_version)
