"""intake's Application decider: registered under its number, then the applicant's timeline and requests.

The state and commands are in application_model.py; the timeline (other services' events, in the
case's own order, never backwards) in timeline.py; what the applicant may ask in applicant_actions.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from acikkapi_shared.decider import CommandRejected, Decider
from acikkapi_shared.events.base import EventPayload, EventTypes
from acikkapi_shared.events.intake import (
    Applicant,
    ApplicantObjected,
    ApplicantSuppliedInformation,
    ApplicantWithdrew,
    ApplicationRegistered,
    Location,
)
from intake.domain.applicant_actions import decide_action
from intake.domain.application_model import (
    Application,
    ApplicationCommand,
    ObjectToConclusion,
    RecordDeadline,
    RecordNote,
    RecordStage,
    RegisterApplication,
    SupplyInformation,
    WithdrawApplication,
)
from intake.domain.events import (
    ApplicationStageChanged,
    DeadlineRecorded,
    StageRecorded,
    TimelineNoted,
    TimelineNoteMoved,
)
from intake.domain.stages import Stage
from intake.domain.timeline import decide_deadline, decide_stage, evolve_timeline, unknown_application
from intake.domain.timeline_notes import decide_note, evolve_moved, evolve_note

__all__ = [
    "Application",
    "ApplicationCommand",
    "ObjectToConclusion",
    "RecordDeadline",
    "RecordNote",
    "RecordStage",
    "RegisterApplication",
    "SupplyInformation",
    "WithdrawApplication",
    "applications",
]


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
            address=submission.address,
            location=Location(lat=submission.location.lat, long=submission.location.long)
            if submission.location
            else None,
            attachments=list(submission.attachments),
        )
    ]


def _decide(command: ApplicationCommand, state: Application) -> Sequence[EventPayload]:
    if isinstance(command, RegisterApplication):
        return _register(command, state)
    if isinstance(command, RecordStage):
        return decide_stage(command, state)
    if isinstance(command, RecordDeadline):
        return decide_deadline(command, state)
    if isinstance(command, RecordNote):
        if not state.registered:
            raise unknown_application()
        return decide_note(command, state)
    return decide_action(command, state)


def _evolve(state: Application, event: EventPayload) -> Application:
    if isinstance(event, ApplicationRegistered):
        return replace(state, registered=True, stage=Stage.REGISTERED)
    if isinstance(event, ApplicationStageChanged):
        # Each change carries the whole status (events before the timeline did too).
        return replace(
            state,
            stage=event.stage,
            institution=event.institution,
            due_at=event.due_at,
            clock_paused=event.clock_paused,
        )
    if isinstance(event, StageRecorded | DeadlineRecorded):
        return evolve_timeline(state, event)
    if isinstance(event, TimelineNoted):
        return evolve_note(state, event)
    if isinstance(event, TimelineNoteMoved):
        return evolve_moved(state, event)
    if isinstance(event, ApplicantSuppliedInformation):
        return replace(state, supplied_request=event.request_number)
    if isinstance(event, ApplicantObjected):
        return replace(state, objected_to=state.conclusion_version)
    if isinstance(event, ApplicantWithdrew):
        return replace(state, withdrawal_requested=True)
    return state


applications: Decider[Application, ApplicationCommand] = Decider(
    name="application",
    initial=lambda number: Application(application_number=number),
    evolve=_evolve,
    decide=_decide,
    events=EventTypes(
        [
            ApplicationRegistered,
            ApplicationStageChanged,
            StageRecorded,
            DeadlineRecorded,
            TimelineNoted,
            TimelineNoteMoved,
            ApplicantSuppliedInformation,
            ApplicantObjected,
            ApplicantWithdrew,
        ]
    ),
)
