"""The router's private events: facts it keeps in its own log and never publishes."""

from __future__ import annotations

from typing import ClassVar

from pydantic import AwareDatetime, BaseModel, Field

from acikkapi_shared.events.base import EventPayload
from acikkapi_shared.events.intake import Location


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


class PetitionApplicant(BaseModel):
    """Who to contact about a petition: the applicant's name and mobile number (E.164)."""

    name: str
    phone: str


class PetitionRecorded(EventPayload):
    """The petition as intake registered it: what an institution reads to answer it.

    Private: it stays in the router's log (intake's ApplicationRegistered is its source). PERSONAL
    names the fields that are the applicant's personal data, which a payload codec encrypting per
    applicant (crypto-shredding) must cover; the others are reference codes and a date. applicant is
    None when the applicant hid their identity: the router never keeps it then.
    """

    TYPE = "PetitionRecorded"
    PERSONAL: ClassVar[frozenset[str]] = frozenset(
        {"text", "address", "location", "attachments", "applicant"}
    )

    application_number: str
    channel: str
    received_at: AwareDatetime
    type: str
    topic: str
    district: str
    identity_hidden: bool
    text: str
    address: str | None = None
    location: Location | None = None
    attachments: list[str] = Field(default_factory=list)
    applicant: PetitionApplicant | None = None
