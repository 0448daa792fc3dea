"""Lines of the applicant's timeline that move no stage: a request of theirs the router refused, the
office due moment recomputed after a calendar or configuration change, an SMS delivered or not.

Each is recorded once per upstream event, after the stage it belongs to: an SMS report under the
line of the event the SMS told of (its trigger; a clock event's line is the router event it
followed), whatever stage the case has reached since; any other note after the stage it happened in
(the router version applied when it was noted). A report that comes before its trigger's line
(the notifier's topic ahead of the router's) stands after the stage of the moment and is moved under
that line when it comes. A refused request is the applicant's again to make: intake forgets that it
was made, and the router stays the authority on whether it can be.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from acikkapi_shared.events.base import EventPayload
from intake.domain.application_model import Application, LinePlace, RecordDeadline, RecordNote
from intake.domain.events import TimelineNoted, TimelineNoteMoved
from intake.domain.stages import Stage

REQUEST_REFUSED = "ApplicantRequestRefused"
DEADLINES_RECOMPUTED = "DeadlinesRecomputed"


def decide_note(command: RecordNote, state: Application) -> Sequence[EventPayload]:
    """Returns the line of an upstream event that moves no stage (nothing for one already noted), and
    the notes it is the line of, moved under it."""
    if command.source_event_id in state.seen:
        return []
    trigger = command.trigger_event_id
    place = None if trigger is None else place_of(state, trigger)
    awaiting = None
    if trigger is not None and place is None:
        awaited = state.causes.get(trigger, trigger)
        # Seen but with no line (a clock event that followed no router event): nothing to wait for.
        awaiting = None if awaited in state.seen else awaited
    note = _note(state, command.source_event_id, command.event_type, command, place).model_copy(
        update={"details": dict(command.details), "trigger_event_id": trigger, "awaiting": awaiting}
    )
    return [note, *moved_under(state, command.source_event_id, _place(note))]


def recomputed(command: RecordDeadline, state: Application) -> TimelineNoted:
    """Returns the line telling that the office due moment was computed again (None while paused)."""
    return _note(state, command.source_event_id, command.event_type, command).model_copy(
        update={"due_at": command.due_at, "clock_paused": command.clock_paused}
    )


def place_of(state: Application, event_id: str) -> LinePlace | None:
    """Returns where the line of an upstream event stands (an sla-monitor event's: the router event's
    it followed), None while it is not on the timeline."""
    place, cause = state.places.get(event_id), state.causes.get(event_id)
    return place if place is not None or cause is None else state.places.get(cause)


def moved_under(state: Application, event_id: str, place: LinePlace) -> list[TimelineNoteMoved]:
    """Returns the notes awaiting the line of this upstream event, moved under it."""
    return [
        TimelineNoteMoved(
            application_number=state.application_number,
            source_event_id=note,
            position=place.position,
            stage=place.stage,
            institution=place.institution,
        )
        for note, awaited in state.awaiting.items()
        if awaited == event_id
    ]


def _note(
    state: Application,
    source_event_id: str,
    event_type: str,
    command: RecordNote | RecordDeadline,
    place: LinePlace | None = None,
) -> TimelineNoted:
    """Returns the note at place (None: after the stage of the moment)."""
    here = place or LinePlace(state.router_version, state.stage or Stage.REGISTERED, state.institution)
    return TimelineNoted(
        application_number=state.application_number,
        source_event_id=source_event_id,
        position=here.position,
        event_type=event_type,
        occurred_at=command.occurred_at,
        stage=here.stage,
        institution=here.institution,
    )


def _place(note: TimelineNoted | TimelineNoteMoved) -> LinePlace:
    return LinePlace(note.position, note.stage, note.institution)


def evolve_note(state: Application, event: TimelineNoted) -> Application:
    """Returns the bookkeeping after a note: it is seen, placed (or awaiting its line); a refused
    request may be made again."""
    awaiting = (
        state.awaiting
        if event.awaiting is None
        else {**state.awaiting, event.source_event_id: event.awaiting}
    )
    moved = replace(
        state,
        seen=state.seen | {event.source_event_id},
        places={**state.places, event.source_event_id: _place(event)},
        awaiting=awaiting,
    )
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


def evolve_moved(state: Application, event: TimelineNoteMoved) -> Application:
    """Returns the bookkeeping after a note was put under its line: placed there, awaiting no more."""
    awaiting = {note: line for note, line in state.awaiting.items() if note != event.source_event_id}
    return replace(state, places={**state.places, event.source_event_id: _place(event)}, awaiting=awaiting)
