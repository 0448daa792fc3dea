"""Lines of the applicant's timeline that move no stage: a request of theirs the router refused, the
office due moment recomputed after a calendar or configuration change, an SMS delivered or not.

Each is placed after the stage it happened in (its position is the router version applied when it
was noted) and recorded once per upstream event. A refused request is the applicant's again to make:
intake forgets that it was made, and the router stays the authority on whether it can be.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from acikkapi_shared.events.base import EventPayload
from intake.domain.application_model import Application, RecordDeadline, RecordNote
from intake.domain.events import TimelineNoted
from intake.domain.stages import Stage

REQUEST_REFUSED = "ApplicantRequestRefused"
DEADLINES_RECOMPUTED = "DeadlinesRecomputed"


def decide_note(command: RecordNote, state: Application) -> Sequence[EventPayload]:
    """Returns the line of an upstream event that moves no stage (nothing for one already noted)."""
    if command.source_event_id in state.seen:
        return []
    return [
        _note(state, command.source_event_id, command.event_type, command).model_copy(
            update={"details": dict(command.details)}
        )
    ]


def recomputed(command: RecordDeadline, state: Application) -> TimelineNoted:
    """Returns the line telling that the office due moment was computed again (None while paused)."""
    return _note(state, command.source_event_id, command.event_type, command).model_copy(
        update={"due_at": command.due_at, "clock_paused": command.clock_paused}
    )


def _note(
    state: Application, source_event_id: str, event_type: str, command: RecordNote | RecordDeadline
) -> TimelineNoted:
    return TimelineNoted(
        application_number=state.application_number,
        source_event_id=source_event_id,
        position=state.router_version,
        event_type=event_type,
        occurred_at=command.occurred_at,
        stage=state.stage or Stage.REGISTERED,
        institution=state.institution,
    )


def evolve_note(state: Application, event: TimelineNoted) -> Application:
    """Returns the bookkeeping after a note: it is seen; a refused request may be made again."""
    moved = replace(state, seen=state.seen | {event.source_event_id})
    if event.event_type != REQUEST_REFUSED:
        return moved
    request = event.details.get("request")
    if request == "WITHDRAWAL":
        return replace(moved, withdrawal_requested=False)
    if request == "OBJECTION":
        return replace(moved, objected_to=0)
    if request == "INFORMATION":
        return replace(moved, supplied_request=0)
    return moved
