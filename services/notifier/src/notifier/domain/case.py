"""The notifier's view of a case, folded from its own events, and the SMS it decides to send.

Each SMS tells of one upstream event (its trigger) and is requested once per trigger: a second
deadline (a transfer, a reopen) gets its own SMS, a redelivered one gets none. An SMS whose trigger
arrives before the applicant's contact waits for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from acikkapi_shared.decider import Decider
from acikkapi_shared.events.base import EventPayload, EventTypes
from acikkapi_shared.reference import ReferenceData
from notifier.domain import templates
from notifier.domain.encoding import analyse
from notifier.domain.events import CaseContactRecorded, CaseDeadlineRecorded, SmsRequested

ISTANBUL = ZoneInfo("Europe/Istanbul")
REGISTERED_TEMPLATE = "registered"
# Intents recorded before triggers were: they stand for the one "registered" SMS of the case.
_LEGACY_TRIGGER = "template:registered"


@dataclass(frozen=True)
class RecordContact:
    """intake registered the application: remember how to reach the applicant."""

    phone: str
    tracking_code: str
    source_event_id: str


@dataclass(frozen=True)
class RecordDeadline:
    """sla-monitor set the deadline: the applicant is to be told where the case is and until when."""

    institution: str
    due_at: datetime
    source_event_id: str


NotifierCommand = RecordContact | RecordDeadline


@dataclass(frozen=True)
class CaseNotifications:
    """What the notifier knows of one application."""

    application_number: str
    phone: str | None = None
    tracking_code: str | None = None
    institution: str | None = None
    due_at: datetime | None = None
    deadline_trigger: str | None = None
    notified: frozenset[str] = frozenset()


def due_day(due_at: datetime) -> date:
    """Returns the Istanbul calendar day of a due moment."""
    return due_at.astimezone(ISTANBUL).date()


def _evolve(state: CaseNotifications, event: EventPayload) -> CaseNotifications:
    if isinstance(event, CaseContactRecorded):
        return replace(state, phone=event.phone, tracking_code=event.tracking_code)
    if isinstance(event, CaseDeadlineRecorded):
        return replace(
            state, institution=event.institution, due_at=event.due_at, deadline_trigger=event.source_event_id
        )
    if isinstance(event, SmsRequested):
        return replace(state, notified=state.notified | {event.trigger_event_id or _LEGACY_TRIGGER})
    return state


def case_decider(reference: ReferenceData) -> Decider[CaseNotifications, NotifierCommand]:
    """Returns the notifier's case decider, naming institutions from this reference data."""

    def registered_sms(state: CaseNotifications) -> list[EventPayload]:
        trigger = state.deadline_trigger or _LEGACY_TRIGGER
        if state.phone is None or state.tracking_code is None or state.due_at is None:
            return []
        if trigger in state.notified or _LEGACY_TRIGGER in state.notified:
            return []
        institution = reference.institutions.get(state.institution or "")
        text = templates.registered(
            application_number=state.application_number,
            tracking_code=state.tracking_code,
            institution_name=institution.name if institution else "ilgili kurum",
            due=due_day(state.due_at),
        )
        encoding = analyse(text)
        return [
            SmsRequested(
                application_number=state.application_number,
                template=REGISTERED_TEMPLATE,
                phone=state.phone,
                text=text,
                encoding=encoding.encoding,
                segments=encoding.segments,
                trigger_event_id=trigger,
            )
        ]

    def decide(command: NotifierCommand, state: CaseNotifications) -> Sequence[EventPayload]:
        fact: EventPayload
        if isinstance(command, RecordContact):
            if state.phone is not None:
                return []
            fact = CaseContactRecorded(
                phone=command.phone,
                tracking_code=command.tracking_code,
                source_event_id=command.source_event_id,
            )
        else:
            if command.source_event_id == state.deadline_trigger:
                return []
            fact = CaseDeadlineRecorded(
                institution=command.institution,
                due_at=command.due_at,
                source_event_id=command.source_event_id,
            )
        return [fact, *registered_sms(_evolve(state, fact))]

    return Decider(
        name="case-notifications",
        initial=lambda number: CaseNotifications(application_number=number),
        evolve=_evolve,
        decide=decide,
        events=EventTypes([CaseContactRecorded, CaseDeadlineRecorded, SmsRequested]),
    )
