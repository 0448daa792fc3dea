"""The router's private events: facts it keeps in its own log and never publishes."""

from __future__ import annotations

from pydantic import AwareDatetime

from acikkapi_shared.events.base import EventPayload


class SlaRecorded(EventPayload):
    """What the sla-monitor said about a case's clocks, as the router's inbox shows it.

    Each one is the whole SLA picture after one sla-monitor event (source_event_id), so the stream's
    last event is its state. due_at is the moment that matters next: the institution's while its clock
    runs, else the office's.
    """

    TYPE = "SlaRecorded"

    application_number: str
    source_event_id: str
    source_type: str
    sla_state: str  # on_time, due_soon, breached, paused, closed
    due_at: AwareDatetime | None
    office_due_at: AwareDatetime | None
    office_running: bool
    office_warned: bool
    office_breached: bool
    institution_due_at: AwareDatetime | None
    institution_running: bool
    institution_warned: bool
    institution_breached: bool
    paused: bool
    closed: bool
