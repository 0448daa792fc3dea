"""intake's Application: registered under its number, then following the stage citizens see.

The stage only moves forward: another service's events arrive on their own topics in no order
between them, so a late one never takes an application back to an earlier stage.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from acikkapi_shared.decider import CommandRejected, Decider
from acikkapi_shared.events.base import EventPayload, EventTypes
from acikkapi_shared.events.intake import Applicant, ApplicationRegistered, ApplicationStageChanged
from intake.domain.submission import ValidSubmission

# Citizen-facing stages, in the order an application moves through them, and their Turkish names.
STAGES = ("REGISTERED", "ROUTED", "CONCLUDED")
STAGE_LABELS_TR = {
    "REGISTERED": "Başvurunuz alındı ve kaydedildi",
    "ROUTED": "Başvurunuz ilgili kuruma iletildi",
    "CONCLUDED": "Başvurunuz sonuçlandırıldı",
}


@dataclass(frozen=True)
class RegisterApplication:
    """Register a valid submission under the number issued to it."""

    application_number: str
    tracking_code: str
    submission: ValidSubmission


@dataclass(frozen=True)
class FollowStage:
    """Record that another service's event moved the application (to stage, at institution, by due)."""

    stage: str
    institution: str | None
    due_at: datetime | None
    source_service: str
    source_event_id: str


@dataclass(frozen=True)
class Application:
    application_number: str
    registered: bool = False
    stage: str | None = None
    institution: str | None = None
    due_at: datetime | None = None


def _rank(stage: str | None) -> int:
    return STAGES.index(stage) if stage in STAGES else -1


def _register(command: RegisterApplication, state: Application) -> Sequence[EventPayload]:
    if state.registered:
        raise CommandRejected("APPLICATION_NUMBER_TAKEN", "Bu başvuru numarası zaten kullanılıyor.")
    submission = command.submission
    return [
        ApplicationRegistered(
            application_number=command.application_number,
            tracking_code=command.tracking_code,
            submission_id=submission.submission_id,
            channel=submission.channel,
            received_at=submission.submitted_at,
            topic=submission.topic,
            type=submission.type,
            district=submission.district,
            text=submission.text,
            applicant=Applicant(
                name=submission.applicant_name,
                phone=submission.phone_e164,
                tckn=submission.tckn,
                identity_hidden=submission.identity_hidden,
                sms_refused=submission.sms_refused,
            ),
        )
    ]


def _follow(command: FollowStage, state: Application) -> Sequence[EventPayload]:
    if not state.registered:
        raise CommandRejected("APPLICATION_UNKNOWN", "Bu numarayla kayıtlı bir başvuru bulunamadı.")
    stage = command.stage if _rank(command.stage) > _rank(state.stage) else state.stage
    institution = command.institution or state.institution
    due_at = command.due_at or state.due_at
    if (stage, institution, due_at) == (state.stage, state.institution, state.due_at):
        return []
    return [
        ApplicationStageChanged(
            application_number=state.application_number,
            stage=stage or command.stage,
            institution=institution,
            due_at=due_at,
            source_service=command.source_service,
            source_event_id=command.source_event_id,
        )
    ]


def _decide(command: RegisterApplication | FollowStage, state: Application) -> Sequence[EventPayload]:
    if isinstance(command, RegisterApplication):
        return _register(command, state)
    return _follow(command, state)


def _evolve(state: Application, event: EventPayload) -> Application:
    if isinstance(event, ApplicationRegistered):
        return replace(state, registered=True, stage="REGISTERED")
    if isinstance(event, ApplicationStageChanged):
        stage = event.stage if _rank(event.stage) > _rank(state.stage) else state.stage
        return replace(
            state,
            stage=stage,
            institution=event.institution or state.institution,
            due_at=event.due_at or state.due_at,
        )
    return state


applications: Decider[Application, RegisterApplication | FollowStage] = Decider(
    name="application",
    initial=lambda number: Application(application_number=number),
    evolve=_evolve,
    decide=_decide,
    events=EventTypes([ApplicationRegistered, ApplicationStageChanged]),
)
