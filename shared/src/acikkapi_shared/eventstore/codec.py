"""The payload codec: the seam between an event's stored form and the form the domain decodes.

Personal fields (an applicant's name, phone, TC Kimlik No, free text) can later be encrypted per
applicant here, so that erasing the applicant's key erases them everywhere (KVKK crypto-shredding),
without changing event types. The stored form is what the relay publishes and what a hash chain would
cover; the decoded form is what folds and projections see.
"""

from __future__ import annotations

from typing import Any, Protocol


class PayloadCodec(Protocol):
    """Turns a payload into its stored form and back."""

    def encode(self, event_type: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Returns the stored form of a payload."""
        ...

    def decode(self, event_type: str, stored: dict[str, Any]) -> dict[str, Any]:
        """Returns the payload of a stored form."""
        ...


class IdentityCodec:
    """Stores payloads as they are (today's behaviour)."""

    def encode(self, event_type: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Returns the payload unchanged."""
        return payload

    def decode(self, event_type: str, stored: dict[str, Any]) -> dict[str, Any]:
        """Returns the stored form unchanged."""
        return stored
