"""The notifier's view of a case, folded from its own events, and the SMS it decides to send.

Each SMS tells of one upstream event (its trigger, a row of the stage table) and is decided once per
trigger: a second information request gets its own SMS, a redelivered one gets none. A trigger that
arrives before the applicant's contact waits for it, and every stage waits for the registered SMS
(the one with the number and tracking code), whatever order the topics deliver them in. An
applicant who hid their identity or refused SMS gets none: each trigger records SmsWithheld with
the reason instead. A non-urgent SMS decided in quiet hours is held until they end.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from acikkapi_shared.decider import Decider
from acikkapi_shared.events.base import EventPayload, EventTypes
from acikkapi_shared.events.notifier import SmsWithheld
from acikkapi_shared.reference import ReferenceData
from notifier.domain.encoding import analyse
from notifier.domain.events import CaseContactRecorded, CaseDeadlineRecorded, SmsRequested, StageNoticed
from notifier.domain.quiet_hours import QuietHours
from notifier.domain.stage_messages import CaseFacts, render
from notifier.domain.tracking_address import TrackingAddress

REGISTERED_TEMPLATE = "registered"
# Intents recorded before triggers were: they stand for the one "registered" SMS of the case.
_LEGACY_TRIGGER = "template:registered"
IDENTITY_HIDDEN = "IDENTITY_HIDDEN"
SMS_REFUSED = "SMS_REFUSED"


@dataclass(frozen=True)
class RecordContact:
    """intake registered the application: remember how to reach the applicant (and whether not to)."""

    phone: str
    tracking_code: str
    source_event_id: str
    at: datetime
    identity_hidden: bool = False
    sms_refused: bool = False


@dataclass(frozen=True)
class NoticeStage:
    """An upstream event of the stage table happened: the applicant is to be told of it."""

    trigger_event_id: str
    event_type: str
    template: str
    urgent: bool
    parameters: Mapping[str, str]
    at: datetime  # when it is decided: quiet hours are judged at this moment


NotifierCommand = RecordContact | NoticeStage


@dataclass(frozen=True)
class Notice:
    """A stage the applicant is to be told of, in arrival order."""

    trigger_event_id: str
    template: str
    urgent: bool
    parameters: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class CaseNotifications:
    """What the notifier knows of one application."""

    application_number: str
    contact_known: bool = False
    phone: str | None = None
    tracking_code: str | None = None
    withheld_reason: str | None = None
    institution: str | None = None
    notices: tuple[Notice, ...] = ()
    notified: frozenset[str] = frozenset()  # triggers with an SmsRequested or an SmsWithheld

    @property
    def noticed(self) -> frozenset[str]:
        """Returns the triggers already recorded."""
        return frozenset(notice.trigger_event_id for notice in self.notices)

    @property
    def registered_told(self) -> bool:
        """Returns whether the registered SMS was decided (sent or withheld)."""
        return _LEGACY_TRIGGER in self.notified or any(
            n.template == REGISTERED_TEMPLATE and n.trigger_event_id in self.notified for n in self.notices
        )


def _withheld_reason(event: CaseContactRecorded) -> str | None:
    if event.identity_hidden:
        return IDENTITY_HIDDEN
    if event.sms_refused or event.phone is None:
        return SMS_REFUSED
    return None


def _evolve(state: CaseNotifications, event: EventPayload) -> CaseNotifications:
    if isinstance(event, CaseContactRecorded):
        return replace(
            state,
            contact_known=True,
            phone=event.phone,
            tracking_code=event.tracking_code,
            withheld_reason=_withheld_reason(event),
        )
    if isinstance(event, StageNoticed):
        notice = Notice(event.trigger_event_id, event.template, event.urgent, tuple(event.parameters.items()))
        return replace(
            state,
            institution=event.parameters.get("institution", state.institution),
            notices=(*state.notices, notice),
        )
    if isinstance(event, CaseDeadlineRecorded):  # the registered SMS's trigger before the stage table
        parameters = (("institution", event.institution), ("due", event.due_at.isoformat()))
        notice = Notice(event.source_event_id or _LEGACY_TRIGGER, REGISTERED_TEMPLATE, True, parameters)
        return replace(state, institution=event.institution, notices=(*state.notices, notice))
    if isinstance(event, SmsRequested):
        return replace(state, notified=state.notified | {event.trigger_event_id or _LEGACY_TRIGGER})
    if isinstance(event, SmsWithheld):
        return replace(state, notified=state.notified | {event.trigger_event_id})
    return state


def case_decider(
    reference: ReferenceData, quiet_hours: QuietHours | None = None, address: TrackingAddress | None = None
) -> Decider[CaseNotifications, NotifierCommand]:
    """Returns the notifier's case decider, naming institutions from this reference data, holding
    non-urgent SMS in these quiet hours (default 22:00-08:00 Europe/Istanbul) and writing the tracking
    page's address in the SMS that send the applicant there (none: they name the page only)."""
    quiet = quiet_hours or QuietHours()

    def sms_for(notice: Notice, state: CaseNotifications, at: datetime) -> EventPayload:
        number = state.application_number
        if state.withheld_reason is not None or state.phone is None:
            return SmsWithheld(
                application_number=number,
                trigger_event_id=notice.trigger_event_id,
                template=notice.template,
                reason=state.withheld_reason or SMS_REFUSED,
            )
        facts = CaseFacts(number, state.tracking_code or "", state.institution)
        text = render(notice.template, dict(notice.parameters), facts, reference, at, address)
        encoding = analyse(text)
        return SmsRequested(
            application_number=number,
            template=notice.template,
            phone=state.phone,
            text=text,
            encoding=encoding.encoding,
            segments=encoding.segments,
            trigger_event_id=notice.trigger_event_id,
            not_before=None if notice.urgent else quiet.ends_after(at),
        )

    def waiting_sms(state: CaseNotifications, at: datetime) -> list[EventPayload]:
        """Returns the SMS of every stage that can now be told: the registered one first."""
        if not state.contact_known:
            return []
        decided: list[EventPayload] = []
        ordered = sorted(state.notices, key=lambda n: n.template != REGISTERED_TEMPLATE)  # stable
        for notice in ordered:
            if notice.trigger_event_id in state.notified:
                continue
            if notice.template == REGISTERED_TEMPLATE and _LEGACY_TRIGGER in state.notified:
                continue  # told by an intent recorded before triggers were
            if notice.template != REGISTERED_TEMPLATE and not state.registered_told:
                continue  # no stage before the applicant has the number and the tracking code
            event = sms_for(notice, state, at)
            decided.append(event)
            state = _evolve(state, event)
        return decided

    def decide(command: NotifierCommand, state: CaseNotifications) -> Sequence[EventPayload]:
        fact: EventPayload
        if isinstance(command, RecordContact):
            if state.contact_known:
                return []
            withheld = command.identity_hidden or command.sms_refused
            fact = CaseContactRecorded(
                phone=None if withheld else command.phone,  # never kept when never used
                tracking_code=command.tracking_code,
                source_event_id=command.source_event_id,
                identity_hidden=command.identity_hidden,
                sms_refused=command.sms_refused,
            )
        else:
            if command.trigger_event_id in state.noticed:
                return []  # a redelivery, or the same event re-published
            fact = StageNoticed(
                trigger_event_id=command.trigger_event_id,
                event_type=command.event_type,
                template=command.template,
                urgent=command.urgent,
                parameters=dict(command.parameters),
            )
        return [fact, *waiting_sms(_evolve(state, fact), command.at)]

    return Decider(
        name="case-notifications",
        initial=lambda number: CaseNotifications(application_number=number),
        evolve=_evolve,
        decide=decide,
        events=EventTypes(
            [CaseContactRecorded, CaseDeadlineRecorded, StageNoticed, SmsRequested, SmsWithheld]
        ),
    )
