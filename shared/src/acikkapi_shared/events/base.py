"""Base class of public event payloads: each knows its type name and schema version."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict

from acikkapi_shared.events.envelope import NewEvent


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

    def as_event(self, *, correlation_id: str, causation_id: str | None, occurred_at: datetime) -> NewEvent:
        """Returns this payload as a new event of its type, ready to append."""
        return NewEvent(
            type=self.TYPE,
            schema_version=self.SCHEMA_VERSION,
            payload=self.to_payload(),
            correlation_id=correlation_id,
            causation_id=causation_id,
            occurred_at=occurred_at,
        )
