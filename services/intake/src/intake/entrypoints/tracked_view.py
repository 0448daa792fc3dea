"""An application as its applicant sees it with the tracking code: the timeline projection, and the
requests intake's decider would accept now (its state folded from the application's stream). One
source for the JSON API and the tracking page."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from acikkapi_shared.decider import fold
from acikkapi_shared.runtime import ServiceRuntime
from intake.domain.applicant_actions import allowed_actions
from intake.domain.application import applications as application_decider
from intake.domain.stages import INFORMATION_SENT_LABEL_TR, STAGE_ENTRIES, Stage
from intake.entrypoints.timeline_view import ApplicationTimeline, full_timeline
from intake.projections import timeline

# A stage's own line first, then its notes by time: an SMS delivery is dated by the provider's clock
# to the second, which can fall before the moment of the stage it was sent for.
_NOTES_LAST = sa.case((timeline.c.event_type.in_(sorted(STAGE_ENTRIES)), 0), else_=1)


async def tracked_view(runtime: ServiceRuntime, row: Any) -> ApplicationTimeline:
    """Returns the application's whole timeline and the requests open to its applicant."""
    number = str(row.application_number)
    async with runtime.read_engine.connect() as connection:
        query = (
            sa.select(timeline)
            .where(timeline.c.application_number == number)
            .order_by(timeline.c.source_version, _NOTES_LAST, timeline.c.occurred_at)
        )
        lines = (await connection.execute(query)).all()
        recorded = await runtime.store.load_stream(connection, number)
    decoded = [application_decider.events.decode(e.type, e.schema_version, e.payload) for e in recorded]
    view = full_timeline(row, lines)
    state = fold(application_decider, number, decoded)
    view.actions = allowed_actions(state)
    if state.stage == Stage.INFORMATION_REQUESTED and 0 < state.open_request <= state.supplied_request:
        view.stage_label = INFORMATION_SENT_LABEL_TR  # not "waiting for you" once it was sent
    return view
