"""A case's history as staff see it: its events in the router's log.

Only the Case's events and the SLA facts are shown (never a dead letter or anything else correlated
with the number; the petition is the detail's own `petition`, entrypoints/petition.py). Fields that
hold what the applicant wrote (the information they supplied, a withdrawal's reason, an objection,
the words of their text the routing table matched) are shown to those who work the case (its
institution, the office), who need them to answer; to anyone else (an auditor) they are withheld:
the field is named, its content left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import AwareDatetime, BaseModel

from acikkapi_shared.events.base import EventPayload
from acikkapi_shared.events.envelope import EventEnvelope
from acikkapi_shared.events.router import CaseReopened, CaseRouted, CaseWithdrawn, InformationSupplied
from router.domain.case import CASE_EVENTS
from router.domain.events import SlaRecorded

# event type -> the payload fields that are the applicant's own words
_SHOWN: tuple[type[EventPayload], ...] = (*CASE_EVENTS, SlaRecorded)
_WITHHELD: dict[str, frozenset[str]] = {kind.TYPE: frozenset() for kind in _SHOWN} | {
    CaseRouted.TYPE: frozenset({"matched"}),
    InformationSupplied.TYPE: frozenset({"text"}),
    CaseWithdrawn.TYPE: frozenset({"reason"}),
    CaseReopened.TYPE: frozenset({"objection"}),
}


class HistoryItem(BaseModel):
    """One event of the case."""

    position: int
    type: str
    occurred_at: AwareDatetime
    actor: str | None
    payload: dict[str, Any]
    withheld: list[str]  # fields left out: the applicant's own words


def visible_history(events: Sequence[EventEnvelope], *, applicant_words: bool = False) -> list[HistoryItem]:
    """Returns the events staff may see, in log order; the applicant's words only with applicant_words."""
    items: list[HistoryItem] = []
    for event in events:
        withheld = _WITHHELD.get(event.type)
        if withheld is None:
            continue
        if applicant_words:
            withheld = frozenset()
        payload = {name: value for name, value in event.payload.items() if name not in withheld}
        items.append(
            HistoryItem(
                position=event.position,
                type=event.type,
                occurred_at=event.occurred_at,
                actor=event.metadata.get("actor"),
                payload=payload,
                withheld=sorted(withheld & set(event.payload)),
            )
        )
    return items
