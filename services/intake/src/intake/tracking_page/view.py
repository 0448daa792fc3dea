"""What the page shows of an application: the JSON API's ApplicationTimeline, put into Turkish
sentences and dates, with a signed form for each request the applicant may make now."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from intake.domain.stages import CLOSED_STAGES
from intake.entrypoints.timeline_view import ApplicationTimeline
from intake.tracking_page.formatting import long_date, long_date_time
from intake.tracking_page.forms import FormSigner

# The page's paths of the requests (Turkish, as a citizen reads the address) and the API's names.
ACTION_PATHS = {"information": "bilgi", "objection": "itiraz", "withdrawal": "geri-cekme"}
ACTIONS_BY_PATH = {path: action for action, path in ACTION_PATHS.items()}


@dataclass(frozen=True)
class ActionForm:
    """A form for one request: where it posts, its Idempotency-Key and its signed token."""

    action: str
    path: str
    idempotency_key: str
    token: str


def action_forms(view: ApplicationTimeline, signer: FormSigner, now: datetime) -> dict[str, ActionForm]:
    """Returns a freshly keyed, signed form for each request the applicant may make now."""
    forms = {}
    for action in view.actions:
        key = uuid.uuid4().hex
        token = signer.issue(view.application_number, action, key, now)
        forms[action] = ActionForm(action, f"/takip/{ACTION_PATHS[action]}", key, token)
    return forms


def page_context(view: ApplicationTimeline) -> dict[str, Any]:
    """Returns what the timeline template shows, dates written out in Turkish (Istanbul time)."""
    lines = [
        {
            "entry": entry,
            "when": long_date_time(entry.at),
            "iso": entry.at.isoformat(),
            "due": long_date(entry.deadline) if entry.deadline else None,
        }
        for entry in view.timeline
    ]
    concluded = [entry for entry in view.timeline if entry.outcome or entry.answer]
    questions = [entry.question for entry in view.timeline if entry.question]
    return {
        "view": view,
        "lines": lines,
        "received": long_date_time(view.received_at),
        "received_iso": view.received_at.isoformat(),
        "due": long_date(view.deadline) if view.deadline else None,
        "due_iso": view.deadline.isoformat() if view.deadline else None,
        "conclusion": concluded[-1] if view.stage == "CONCLUDED" and concluded else None,
        "question": questions[-1] if questions else None,
        # Concluded or withdrawn: nothing is due any more (Open311 empties expected_datetime too).
        "closed": view.stage in CLOSED_STAGES,
    }
