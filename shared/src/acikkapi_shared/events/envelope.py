"""The event envelope: the shape every event has in a service's log and on Kafka."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypeVar
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from acikkapi_shared.events.ids import new_event_id

Model = TypeVar("Model", bound=BaseModel)


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


_ALL_FIELDS: dict[type[BaseModel], set[str]] = {}


def trusted(model: type[Model], values: dict[str, Any]) -> Model:
    """Returns a model of values already validated (every field given, of its type), without
    validating them again: what pydantic's model_construct does, a quarter of its cost, which
    mattered at several envelopes per application on every write and read of the log.

    A frozen model given every field shares one set of the fields set with every other instance:
    pydantic changes it only when a field is assigned (refused when frozen) and copies it for
    model_copy. A set per event was 728 bytes, a third of a kept event (a timer burst keeps tens of
    thousands)."""
    instance = object.__new__(model)
    object.__setattr__(instance, "__dict__", values)
    object.__setattr__(instance, "__pydantic_fields_set__", _fields_set(model, values))
    object.__setattr__(instance, "__pydantic_extra__", None)
    object.__setattr__(instance, "__pydantic_private__", None)
    return instance


def _fields_set(model: type[BaseModel], values: dict[str, Any]) -> set[str]:
    shared = _ALL_FIELDS.get(model)
    if shared is None:
        if not model.model_config.get("frozen"):
            return set(values)
        shared = _ALL_FIELDS[model] = set(model.model_fields)
    return shared if len(values) == len(shared) else set(values)


class NewEvent(BaseModel):
    """An event a service decided on, before the store gives it a version and position."""

    model_config = ConfigDict(frozen=True)

    type: str
    payload: dict[str, Any]
    schema_version: int = 1
    event_id: UUID = Field(default_factory=new_event_id)
    correlation_id: str
    causation_id: str | None = None
    occurred_at: AwareDatetime
    # Who and what asked for it: actor, idempotency key, request id (see commands.CommandContext).
    metadata: dict[str, str] = Field(default_factory=dict)

    @field_validator("occurred_at")
    @classmethod
    def _to_utc(cls, value: datetime) -> datetime:
        return _utc(value)


class EventEnvelope(BaseModel):
    """A recorded event: identity, stream position, causality and payload (JSON on the wire)."""

    model_config = ConfigDict(frozen=True)

    event_id: UUID
    service: str
    stream_id: str
    stream_version: int
    position: int
    type: str
    schema_version: int
    occurred_at: AwareDatetime
    recorded_at: AwareDatetime
    correlation_id: str
    causation_id: str | None
    payload: dict[str, Any]
    metadata: dict[str, str] = Field(default_factory=dict)

    @field_validator("occurred_at", "recorded_at")
    @classmethod
    def _to_utc(cls, value: datetime) -> datetime:
        return _utc(value)

    def to_json_bytes(self) -> bytes:
        """Returns the envelope as UTF-8 JSON."""
        return self.model_dump_json().encode("utf-8")

    @classmethod
    def from_json_bytes(cls, data: bytes) -> EventEnvelope:
        """Parses an envelope from JSON; raises pydantic.ValidationError on a bad one."""
        return cls.model_validate_json(data)
