"""The applicant's timeline: other services' events put in the case's own order, never backwards.

The router's events of a case arrive in their order (one partition), the sla-monitor's in theirs,
but the two topics in no order between them, and a crash re-publishes. So each event is placed by
its stream version in its own service's sequence of the case: one already seen (its event id)
records nothing, one older than what was applied from its service is recorded as `late` and changes
neither the stage nor the due moment, and a newer one moves them. The (private)
ApplicationStageChanged carries the citizen-facing status whenever it changes. A line recorded is
also the place of the notes that came before it and belong under it (timeline_notes.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from acikkapi_shared.decider import CommandRejected
from acikkapi_shared.events.base import EventPayload
from acikkapi_shared.reference import TRIAGE_INSTITUTION
from intake.domain.application_model import Application, DueNote, LinePlace, RecordDeadline, RecordStage
from intake.domain.events import ApplicationStageChanged, DeadlineRecorded, StageRecorded
from intake.domain.stages import Stage
from intake.domain.timeline_notes import DEADLINES_RECOMPUTED, moved_under, place_of, recomputed


def unknown_application() -> CommandRejected:
    """The event or request names a number intake never registered."""
    return CommandRejected("APPLICATION_UNKNOWN", "Bu numarayla kayıtlı bir başvuru bulunamadı.")


def _seen(state: Application, source_event_id: str) -> bool:
    """Returns True for an event already on the timeline; rejects one about an unknown application."""
    if not state.registered:
        raise unknown_application()
    return source_event_id in state.seen


def decide_stage(command: RecordStage, state: Application) -> Sequence[EventPayload]:
    """Returns the timeline line of a router event, and the stage change it makes, if any."""
    if _seen(state, command.source_event_id):
        return []
    late = command.source_version <= state.router_version
    due = state.dues_by_cause.get(command.source_event_id)
    recorded = StageRecorded(
        application_number=state.application_number,
        source_event_id=command.source_event_id,
        source_version=command.source_version,
        event_type=command.event_type,
        occurred_at=command.occurred_at,
        stage=command.stage,
        institution=command.institution,
        text=command.text,
        outcome=command.outcome,
        reasons=command.reasons,
        request_number=command.request_number,
        due_at=due.due_at if due else None,
        clock_paused=due.clock_paused if due else False,
        late=late,
    )
    place = LinePlace(command.source_version, command.stage, command.institution)
    notes = moved_under(state, command.source_event_id, place)
    if late:
        return [recorded, *notes]
    moved = replace(state, stage=command.stage, institution=command.institution)
    return [recorded, *notes, *_changed(state, moved, "router", command.source_event_id)]


def decide_deadline(command: RecordDeadline, state: Application) -> Sequence[EventPayload]:
    """Returns the note of an sla-monitor event, and the change of the due moment it makes, if any."""
    if _seen(state, command.source_event_id):
        return []
    late = command.source_version <= state.clock_version
    recorded = DeadlineRecorded(
        application_number=state.application_number,
        source_event_id=command.source_event_id,
        source_version=command.source_version,
        event_type=command.event_type,
        occurred_at=command.occurred_at,
        cause_event_id=command.cause_event_id,
        due_at=command.due_at,
        clock_paused=command.clock_paused,
        late=late,
    )
    cause = command.cause_event_id
    place = None if cause is None else place_of(state, cause)
    # Notes awaiting this event go under the line of the router event it followed, once that is here.
    notes = [] if place is None else moved_under(state, command.source_event_id, place)
    if late:
        return [recorded, *notes]
    moved = replace(
        state,
        due_at=command.due_at or state.due_at,
        clock_paused=command.clock_paused,
    )
    if state.stage == Stage.REGISTERED and state.router_version == 0 and command.institution:
        # The deadline of a routed case came before the router's event: it was routed there.
        stage = Stage.TRIAGE if command.institution == TRIAGE_INSTITUTION else Stage.ROUTED
        moved = replace(moved, stage=stage, institution=command.institution)
    # A recomputation (calendar or configuration changed) follows no stage: a line of its own.
    recomputation = [recomputed(command, state)] if command.event_type == DEADLINES_RECOMPUTED else []
    return [recorded, *recomputation, *notes, *_changed(state, moved, "sla-monitor", command.source_event_id)]


def _changed(state: Application, moved: Application, source: str, source_event_id: str) -> list[EventPayload]:
    before = (state.stage, state.institution, state.due_at, state.clock_paused)
    after = (moved.stage, moved.institution, moved.due_at, moved.clock_paused)
    if before == after or moved.stage is None:
        return []
    return [
        ApplicationStageChanged(
            application_number=state.application_number,
            stage=moved.stage,
            institution=moved.institution,
            due_at=moved.due_at,
            clock_paused=moved.clock_paused,
            source_service=source,
            source_event_id=source_event_id,
        )
    ]


def evolve_timeline(state: Application, event: StageRecorded | DeadlineRecorded) -> Application:
    """Returns the bookkeeping after a timeline event (the stage itself moves with
    ApplicationStageChanged)."""
    # One replace() per event: folding a case's stream is on every command's path, and replace() of
    # this many fields is most of its cost.
    seen = state.seen | {event.source_event_id}
    if isinstance(event, DeadlineRecorded):
        return _evolve_clock(state, event, seen)
    place = LinePlace(event.source_version, event.stage, event.institution)
    places = {**state.places, event.source_event_id: place}
    if event.late:
        return replace(state, seen=seen, places=places)
    open_request, conclusion_version = state.open_request, state.conclusion_version
    if event.stage == Stage.INFORMATION_REQUESTED and event.request_number is not None:
        open_request = event.request_number
    if event.stage == Stage.CONCLUDED:
        conclusion_version = event.source_version
    return replace(
        state,
        seen=seen,
        places=places,
        router_version=event.source_version,
        open_request=open_request,
        conclusion_version=conclusion_version,
    )


def _evolve_clock(state: Application, event: DeadlineRecorded, seen: frozenset[str]) -> Application:
    """Returns the bookkeeping after an sla-monitor event: its due note by cause, and the router event
    it followed, under whose line the notes awaiting it now wait."""
    version = state.clock_version if event.late else event.source_version
    cause = event.cause_event_id
    if cause is None:
        return replace(state, seen=seen, clock_version=version)
    own = event.source_event_id
    return replace(
        state,
        seen=seen,
        clock_version=version,
        dues_by_cause={**state.dues_by_cause, cause: DueNote(event.due_at, event.clock_paused)},
        causes={**state.causes, own: cause},
        awaiting={note: cause if line == own else line for note, line in state.awaiting.items()},
    )
