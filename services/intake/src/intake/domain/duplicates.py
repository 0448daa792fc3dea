"""Likely duplicates: the same applicant (mobile number or TC Kimlik No) with a very similar text within
7 days, on any channel. Such an application is registered as any other and the pair is flagged, the
later received linked to the earlier received (LikelyDuplicateFlagged), whichever was registered first,
for the office to look at; nothing is merged.

Each applicant key has its own history stream (`applicant:<kind>:<digest>`, the digest a SHA-256 of
the key so that stream ids name no number), holding the applications of the last 7 days with their
texts; noting an application there decides, purely, whether it resembles one of them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from pydantic import AwareDatetime
from rapidfuzz import fuzz

from acikkapi_shared.decider import Decider
from acikkapi_shared.events.base import EventPayload, EventTypes
from acikkapi_shared.turkish import search_key

DUPLICATE_WINDOW = timedelta(days=7)
# rapidfuzz scores (0-100) on texts folded to lower case without accents; the higher of the plain and
# the word-order-blind ratio must reach this.
SIMILARITY_THRESHOLD = 85.0
# Only the start of a long text is compared (enough to tell, and bounded in time).
COMPARED_CHARS = 1000


class ApplicationNoted(EventPayload):
    """An application of this applicant key (private: it holds the text, for comparing)."""

    application_number: str
    received_at: AwareDatetime
    text: str

    def correlates_with(self) -> str | None:
        """Returns the application noted."""
        return self.application_number


class LikelyDuplicateFlagged(EventPayload):
    """The application resembles one of the same applicant received before it (a link, never a merge):
    application_number is the later received of the two, earlier_application_number the earlier (by
    received_at, the same moment by number), whichever was registered first."""

    application_number: str
    earlier_application_number: str
    matched_on: str  # "phone" or "tckn"
    similarity: float

    def correlates_with(self) -> str | None:
        """Returns the later application, the one flagged."""
        return self.application_number


@dataclass(frozen=True)
class NoteApplication:
    """Note an application in its applicant's history; flag it if it resembles an earlier one.

    already_flagged: applications another key of the same applicant already linked it to.
    """

    application_number: str
    received_at: datetime
    text: str
    matched_on: str
    already_flagged: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Noted:
    application_number: str
    received_at: datetime
    text: str


@dataclass(frozen=True)
class ApplicantHistory:
    stream_id: str
    recent: tuple[Noted, ...] = ()


def history_stream(kind: str, value: str) -> str:
    """Returns the history stream of an applicant key (kind "phone" with E.164, "tckn")."""
    digest = hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()[:32]
    return f"applicant:{kind}:{digest}"


def similarity(first: str, second: str) -> float:
    """Returns how alike two petition texts are, 0-100 (case, accents and word order aside)."""
    a = search_key(first[:COMPARED_CHARS])
    b = search_key(second[:COMPARED_CHARS])
    return float(max(fuzz.ratio(a, b), fuzz.token_sort_ratio(a, b)))


def _decide(command: NoteApplication, state: ApplicantHistory) -> Sequence[EventPayload]:
    if any(noted.application_number == command.application_number for noted in state.recent):
        return []
    noted = ApplicationNoted(
        application_number=command.application_number, received_at=command.received_at, text=command.text
    )
    best: tuple[float, Noted] | None = None
    for earlier in state.recent:
        if earlier.application_number in command.already_flagged:
            continue
        if abs(command.received_at - earlier.received_at) > DUPLICATE_WINDOW:
            continue
        score = similarity(command.text, earlier.text)
        if score >= SIMILARITY_THRESHOLD and (best is None or score >= best[0]):
            best = (score, earlier)
    if best is None:
        return [noted]
    # Registered now is not received later: a desk entry may be back-dated before one already noted.
    this = Noted(command.application_number, command.received_at, command.text)
    earlier, later = sorted((this, best[1]), key=_received_order)
    flag = LikelyDuplicateFlagged(
        application_number=later.application_number,
        earlier_application_number=earlier.application_number,
        matched_on=command.matched_on,
        similarity=round(best[0], 1),
    )
    return [noted, flag]


def _received_order(noted: Noted) -> tuple[datetime, str]:
    """Orders applications by when they were received, then (the same moment) by number."""
    return noted.received_at, noted.application_number


def _evolve(state: ApplicantHistory, event: EventPayload) -> ApplicantHistory:
    if not isinstance(event, ApplicationNoted):
        return state
    entry = Noted(event.application_number, event.received_at, event.text)
    newest = max([entry.received_at, *(noted.received_at for noted in state.recent)])
    kept = tuple(n for n in (*state.recent, entry) if newest - n.received_at <= DUPLICATE_WINDOW)
    return replace(state, recent=kept)


applicant_histories: Decider[ApplicantHistory, NoteApplication] = Decider(
    name="applicant-history",
    initial=lambda stream_id: ApplicantHistory(stream_id=stream_id),
    evolve=_evolve,
    decide=_decide,
    events=EventTypes([ApplicationNoted, LikelyDuplicateFlagged]),
)
