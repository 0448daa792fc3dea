"""The notifier's view of a case, folded from its own events, and what SMS it decides to send."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from acikkapi_shared.events.notifier import SmsRequested
from acikkapi_shared.reference import kars
from notifier.domain import templates
from notifier.domain.encoding import analyse

ISTANBUL = ZoneInfo("Europe/Istanbul")
# The notifier's own facts, copied from upstream events so its state rebuilds from its own log.
CONTACT_RECORDED = "CaseContactRecorded"
DEADLINE_RECORDED = "CaseDeadlineRecorded"
REGISTERED_TEMPLATE = "registered"


@dataclass(frozen=True)
class CaseNotifications:
    """What the notifier knows of one application."""

    application_number: str
    phone: str | None = None
    tracking_code: str | None = None
    institution: str | None = None
    due_at: datetime | None = None
    sent_templates: frozenset[str] = frozenset()


class Fact(Protocol):
    """An event as recorded or about to be: its type and payload are all evolve() needs."""

    @property
    def type(self) -> str: ...

    @property
    def payload(self) -> dict[str, Any]: ...


def evolve(state: CaseNotifications, event: Fact) -> CaseNotifications:
    """Returns the state after one of the notifier's events."""
    payload = event.payload
    if event.type == CONTACT_RECORDED:
        return replace(state, phone=payload["phone"], tracking_code=payload["tracking_code"])
    if event.type == DEADLINE_RECORDED:
        return replace(
            state, institution=payload["institution"], due_at=datetime.fromisoformat(payload["due_at"])
        )
    if event.type == SmsRequested.TYPE:
        return replace(state, sent_templates=state.sent_templates | {payload["template"]})
    return state


def fold(application_number: str, events: Sequence[Fact]) -> CaseNotifications:
    """Returns the state of a case from its stream."""
    state = CaseNotifications(application_number=application_number)
    for event in events:
        state = evolve(state, event)
    return state


def due_day(due_at: datetime) -> date:
    """Returns the Istanbul calendar day of a due moment."""
    return due_at.astimezone(ISTANBUL).date()


def sms_to_request(state: CaseNotifications) -> SmsRequested | None:
    """Returns the "registered" SMS once number, contact and deadline are all known, and only once."""
    if REGISTERED_TEMPLATE in state.sent_templates:
        return None
    if state.phone is None or state.tracking_code is None or state.due_at is None:
        return None
    institution = kars().institutions.get(state.institution or "")
    text = templates.registered(
        application_number=state.application_number,
        tracking_code=state.tracking_code,
        institution_name=institution.name if institution else "ilgili kurum",
        due=due_day(state.due_at),
    )
    encoding = analyse(text)
    return SmsRequested(
        application_number=state.application_number,
        template=REGISTERED_TEMPLATE,
        phone=state.phone,
        text=text,
        encoding=encoding.encoding,
        segments=encoding.segments,
    )
