"""Base class of public event payloads: each knows its type name and schema version."""

from __future__ import annotations

from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict


class EventPayload(BaseModel):
    """A public integration event's payload; unknown fields are kept so later versions still parse."""

    model_config = ConfigDict(frozen=True, extra="allow")

    TYPE: ClassVar[str]
    SCHEMA_VERSION: ClassVar[int] = 1

    def to_payload(self) -> dict[str, Any]:
        """Returns the payload as a JSON-ready dict."""
        return self.model_dump(mode="json")

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Self:
        """Parses a payload of this event type."""
        return cls.model_validate(payload)
