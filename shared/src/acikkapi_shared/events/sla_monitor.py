"""Public events of the sla-monitor service."""

from __future__ import annotations

from pydantic import AwareDatetime

from acikkapi_shared.events.base import EventPayload


class DeadlineSet(EventPayload):
    TYPE = "DeadlineSet"

    application_number: str
    institution: str
    received_at: AwareDatetime
    budget_days: int
    due_at: AwareDatetime
