"""What Open311 shows of an application: codes, dates, the institution and the stage's Turkish name.
Never the applicant, the text, the address, the point or the attachments (every answer is public)."""

from __future__ import annotations

from typing import Any

from acikkapi_shared.reference import ReferenceData
from intake.domain.stages import CLOSED_STAGES, Stage, entry_label, stage_label
from intake.open311.catalogue import Service, service_code, service_name

# The servicerequestupdates extension's extended statuses (FixMyStreet's names), by stage and outcome.
EXTENDED_STATUS: dict[str, str] = {
    Stage.REGISTERED: "OPEN",
    Stage.TRIAGE: "INVESTIGATING",
    Stage.ROUTED: "ACTION_SCHEDULED",
    Stage.IN_PROGRESS: "IN_PROGRESS",
    Stage.INFORMATION_REQUESTED: "INVESTIGATING",
    Stage.IN_REVIEW: "IN_PROGRESS",
    Stage.REOPENED: "OPEN",
    Stage.WITHDRAWN: "CLOSED",
}
EXTENDED_CONCLUSION: dict[str, str] = {
    "RESOLVED": "FIXED",
    "REFUSED": "NO_FURTHER_ACTION",
    "INFORMATION_GIVEN": "CLOSED",
    "NOT_COMPETENT": "NOT_COUNCILS_RESPONSIBILITY",
}


def status_of(stage: str) -> str:
    """Returns the specification's status of a stage: open or closed."""
    return "closed" if stage in CLOSED_STAGES else "open"


def extended_status(stage: str, outcome: str | None) -> str:
    """Returns the extension's status of a stage (a conclusion by its outcome)."""
    if stage == Stage.CONCLUDED:
        return EXTENDED_CONCLUSION.get(outcome or "", "CLOSED")
    return EXTENDED_STATUS.get(stage, "OPEN")


def _agency(reference: ReferenceData, code: str | None) -> str | None:
    if code is None:
        return None
    institution = reference.institutions.get(code)
    return institution.name if institution else code


def request_entry(reference: ReferenceData, row: Any) -> dict[str, Any]:
    """Returns an application (a row of intake's applications read model, with stage_at: its latest
    stage's moment in the timeline) as GET requests shows it."""
    service = Service(service_code(row.topic, row.type), row.topic, row.type)
    return {
        "service_request_id": row.application_number,
        "status": status_of(row.stage),
        "status_notes": stage_label(row.stage),
        "service_name": service_name(reference, service) if service.code in _known(reference) else None,
        "service_code": service.code,
        "description": None,
        "agency_responsible": _agency(reference, row.institution),
        "service_notice": None,
        "requested_datetime": row.received_at,
        "updated_datetime": row.stage_at,  # the latest line of servicerequestupdates says the same
        # The office's due moment; none while the clock is paused (information awaited) or once closed.
        "expected_datetime": None if row.clock_paused or row.stage in CLOSED_STAGES else row.due_at,
        "address": None,
        "address_id": None,
        "zipcode": None,
        "lat": None,
        "long": None,
        "media_url": None,
    }


def update_entry(row: Any) -> dict[str, Any]:
    """Returns a line of an application's timeline as the servicerequestupdates extension shows it."""
    return {
        "update_id": row.source_event_id,
        "service_request_id": row.application_number,
        "status": extended_status(row.stage, row.outcome),
        "external_status_code": row.stage,
        "updated_datetime": row.occurred_at,
        "description": entry_label(row.event_type, row.stage),
        "media_url": None,
    }


def _known(reference: ReferenceData) -> frozenset[str]:
    return frozenset(service_code(topic, type_) for topic in reference.topics for type_ in reference.types)
