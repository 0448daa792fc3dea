"""Public events of the router service."""

from __future__ import annotations

from pydantic import AwareDatetime

from acikkapi_shared.events.base import EventPayload


class CaseRouted(EventPayload):
    TYPE = "CaseRouted"

    application_number: str
    institution: str
    institution_name: str
    rule: str
    confidence: float
    matched: list[str]
    table_version: str
    received_at: AwareDatetime
