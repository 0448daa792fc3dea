"""An SMS's delivery: which job holds the intent, and how it ended.

Its stream is "sms:<intent event id>". An intent is in at most one job at a time (planning claims it
here, in the same transaction as the job is planned, so two planners conflict on this stream), and
an intent accepted once is never claimed, accepted or failed again. A failed intent can be re-driven
once per re-drive request. An accepted SMS records its final delivery report once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from acikkapi_shared.decider import Decider
from acikkapi_shared.events.base import EventPayload, EventTypes
from acikkapi_shared.events.notifier import SmsAccepted, SmsDelivered, SmsDeliveryFailed, SmsFailed
from notifier.domain.events import SmsClaimed, SmsRedriven, SmsReleased
from notifier.domain.reports import DELIVERED, UNDELIVERED
from notifier.domain.reports import is_final as is_final_status

DeliveryStatus = Literal["PENDING", "CLAIMED", "ACCEPTED", "FAILED"]
# Before jobs, every failed attempt was an SmsFailed on this stream and the 8th retryable one was
# final; such logs still fold (and project) the way they were meant.
LEGACY_MAX_ATTEMPTS = 8


@dataclass(frozen=True)
class ClaimSms:
    """Make the intent a member of a planned job (no effect unless it is waiting for one)."""

    application_number: str
    request_event_id: str
    job_id: str


@dataclass(frozen=True)
class RecordSmsAccepted:
    """The member's job was accepted by the provider."""

    application_number: str
    request_event_id: str
    job_id: str
    provider_message_id: str
    attempt: int


@dataclass(frozen=True)
class RecordSmsFailed:
    """The member's job was given up."""

    application_number: str
    request_event_id: str
    job_id: str
    code: str
    reason: str
    attempt: int


@dataclass(frozen=True)
class ReleaseSms:
    """The member's job was split: the intent waits for a job of its own."""

    application_number: str
    request_event_id: str
    job_id: str
    code: str


@dataclass(frozen=True)
class RedriveSms:
    """Put a failed intent back to be sent (once per redrive_key)."""

    application_number: str
    request_event_id: str
    redrive_key: str


@dataclass(frozen=True)
class RecordDeliveryReport:
    """The provider's delivery report for the accepted SMS (no effect unless its status is final).

    delivered_at: when the handset got it, by the provider (its report's delivery date);
    trigger_event_id: the upstream event the SMS told of.
    """

    application_number: str
    request_event_id: str
    provider_message_id: str
    template: str | None
    status: int
    error_code: int | None
    delivered_at: datetime | None
    trigger_event_id: str | None = None


DeliveryCommand = (
    ClaimSms | RecordSmsAccepted | RecordSmsFailed | ReleaseSms | RedriveSms | RecordDeliveryReport
)


@dataclass(frozen=True)
class Delivery:
    """Where one intent stands; job_id is the job that holds (or last held) it."""

    stream_id: str
    status: DeliveryStatus = "PENDING"
    job_id: str | None = None
    redrives: frozenset[str] = frozenset()
    reported: bool = False  # a final delivery report was recorded: later ones are ignored


def delivery_stream(request_event_id: str) -> str:
    """Returns the stream of an intent's delivery."""
    return f"sms:{request_event_id}"


def is_final(failed: SmsFailed) -> bool:
    """Returns whether an SmsFailed ended the delivery (each one since jobs; see LEGACY_MAX_ATTEMPTS)."""
    return not failed.retryable or failed.attempt >= LEGACY_MAX_ATTEMPTS


def _decide(command: DeliveryCommand, state: Delivery) -> Sequence[EventPayload]:
    number, intent = command.application_number, command.request_event_id
    if isinstance(command, ClaimSms):
        if state.status != "PENDING":
            return []
        return [SmsClaimed(application_number=number, request_event_id=intent, job_id=command.job_id)]
    if isinstance(command, RedriveSms):
        if state.status != "FAILED" or command.redrive_key in state.redrives:
            return []
        return [
            SmsRedriven(application_number=number, request_event_id=intent, redrive_key=command.redrive_key)
        ]
    if isinstance(command, RecordDeliveryReport):
        return _reported(command, state)
    if state.status != "CLAIMED" or state.job_id != command.job_id:
        return []  # an outcome of a job that no longer holds the intent
    if isinstance(command, RecordSmsAccepted):
        return [
            SmsAccepted(
                application_number=number,
                request_event_id=intent,
                provider_message_id=command.provider_message_id,
                attempt=command.attempt,
            )
        ]
    if isinstance(command, RecordSmsFailed):
        return [
            SmsFailed(
                application_number=number,
                request_event_id=intent,
                code=command.code,
                reason=command.reason,
                retryable=False,  # given up: only a re-drive sends it again
                attempt=command.attempt,
            )
        ]
    return [
        SmsReleased(
            application_number=number, request_event_id=intent, job_id=command.job_id, code=command.code
        )
    ]


def _reported(command: RecordDeliveryReport, state: Delivery) -> Sequence[EventPayload]:
    """Returns the delivery report's event: once, for an accepted SMS, when the status is final."""
    if state.status != "ACCEPTED" or state.reported or not is_final_status(command.status):
        return []
    ids = {
        "application_number": command.application_number,
        "request_event_id": command.request_event_id,
        "provider_message_id": command.provider_message_id,
        "template": command.template,
        "status": command.status,
        "trigger_event_id": command.trigger_event_id,
    }
    if command.status == DELIVERED:
        return [SmsDelivered(**ids, delivered_at=command.delivered_at)]
    return [SmsDeliveryFailed(**ids, reason=UNDELIVERED[command.status], error_code=command.error_code)]


def _evolve(state: Delivery, event: EventPayload) -> Delivery:
    if isinstance(event, SmsClaimed):
        return replace(state, status="CLAIMED", job_id=event.job_id)
    if isinstance(event, SmsAccepted):
        return replace(state, status="ACCEPTED")
    if isinstance(event, SmsFailed):
        return replace(state, status="FAILED" if is_final(event) else "PENDING")
    if isinstance(event, SmsReleased):
        return replace(state, status="PENDING")
    if isinstance(event, SmsRedriven):
        return replace(state, status="PENDING", redrives=state.redrives | {event.redrive_key})
    if isinstance(event, SmsDelivered | SmsDeliveryFailed):
        return replace(state, reported=True)
    return state


deliveries: Decider[Delivery, DeliveryCommand] = Decider(
    name="sms-delivery",
    initial=lambda stream_id: Delivery(stream_id=stream_id),
    evolve=_evolve,
    decide=_decide,
    events=EventTypes(
        [SmsClaimed, SmsAccepted, SmsFailed, SmsReleased, SmsRedriven, SmsDelivered, SmsDeliveryFailed]
    ),
)
