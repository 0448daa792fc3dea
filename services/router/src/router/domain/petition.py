"""The petition an institution answers, kept in the router's own log from intake's registration.

A service rebuilds its state from its own log only, and a Case keeps just what routing needs, so
each registration is also recorded as a PetitionRecorded on the stream `petition:<number>`, once.
An applicant who hid their identity (an ihbar, DOMAIN.md) is recorded without it: the institution
must not learn who they are, and what the router never keeps it can never show (the office finds it
in intake's log if it ever must). The TC Kimlik No and the tracking code are not kept either: no
institution needs them to answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from acikkapi_shared.decider import Decider
from acikkapi_shared.events.base import EventPayload, EventTypes
from acikkapi_shared.events.intake import ApplicationRegistered
from router.domain.events import PetitionApplicant, PetitionRecorded


@dataclass(frozen=True)
class Petition:
    """Whether a case's petition is recorded."""

    application_number: str
    recorded: bool = False


@dataclass(frozen=True)
class RecordPetition:
    """Keep the petition of a registered application."""

    registered: ApplicationRegistered


def petition_of(registered: ApplicationRegistered) -> PetitionRecorded:
    """Returns what the router keeps of a registration: the applicant only when not hidden."""
    applicant = registered.applicant
    return PetitionRecorded(
        application_number=registered.application_number,
        channel=registered.channel,
        received_at=registered.received_at,
        type=registered.type,
        topic=registered.topic,
        district=registered.district,
        identity_hidden=applicant.identity_hidden,
        text=registered.text,
        address=registered.address,
        location=registered.location,
        attachments=list(registered.attachments),
        applicant=None
        if applicant.identity_hidden
        else PetitionApplicant(name=applicant.name, phone=applicant.phone),
    )


def _evolve(state: Petition, event: EventPayload) -> Petition:
    if isinstance(event, PetitionRecorded):
        return Petition(application_number=event.application_number, recorded=True)
    return state


def _decide(command: RecordPetition, state: Petition) -> Sequence[EventPayload]:
    if state.recorded:
        return []  # a registration redelivered or re-published: kept once
    return [petition_of(command.registered)]


def petition_stream(application_number: str) -> str:
    """Returns the stream of a case's petition in the router's log."""
    return f"petition:{application_number}"


petitions: Decider[Petition, RecordPetition] = Decider(
    name="petition",
    initial=lambda stream_id: Petition(application_number=stream_id.removeprefix("petition:")),
    evolve=_evolve,
    decide=_decide,
    events=EventTypes([PetitionRecorded]),
    state_in_last_event=True,
)
