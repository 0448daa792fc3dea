"""The applicant's timeline: other services' events put in the case's own order, never backwards.

The router's events of a case arrive in their order (one partition), the sla-monitor's in theirs,
but the two topics in no order between them, and a crash re-publishes. So each event is placed by
its stream version in its own service's sequence of the case: one already seen (its event id)
records nothing, one older than what was applied from its service is recorded as `late` and changes
neither the stage nor the due moment, and a newer one moves them. The (private)
ApplicationStageChanged carries the citizen-facing status whenever it changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from acikkapi_shared.decider import CommandRejected
from acikkapi_shared.events.base import EventPayload
from acikkapi_shared.reference import TRIAGE_INSTITUTION
from intake.domain.application_model import Application, DueNote, RecordDeadline, RecordStage
from intake.domain.events import ApplicationStageChanged, DeadlineRecorded, StageRecorded
from intake.domain.stages import Stage
from intake.domain.timeline_notes import DEADLINES_RECOMPUTED, recomputed


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
    if late:
        return [recorded]
    moved = replace(state, stage=command.stage, institution=command.institution)
    return [recorded, *_changed(state, moved, "router", command.source_event_id)]


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
    if late:
        return [recorded]
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
    notes = [recomputed(command, state)] if command.event_type == DEADLINES_RECOMPUTED else []
    return [recorded, *notes, *_changed(state, moved, "sla-monitor", command.source_event_id)]


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
    seen = state.seen | {event.source_event_id}
    if isinstance(event, DeadlineRecorded):
        dues = state.dues_by_cause
        if event.cause_event_id is not None:
            dues = {**dues, event.cause_event_id: DueNote(event.due_at, event.clock_paused)}
        version = state.clock_version if event.late else event.source_version
        return replace(state, seen=seen, dues_by_cause=dues, clock_version=version)
    if event.late:
        return replace(state, seen=seen)
    moved = replace(state, seen=seen, router_version=event.source_version)
    if event.stage == Stage.INFORMATION_REQUESTED and event.request_number is not None:
        moved = replace(moved, open_request=event.request_number)
    if event.stage == Stage.CONCLUDED:
        moved = replace(moved, conclusion_version=event.source_version)
    return moved
