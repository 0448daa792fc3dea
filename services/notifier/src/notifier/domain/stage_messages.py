"""Renders a stage's SMS from the stage table's parameters and what the notifier knows of the case."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from acikkapi_shared.reference import ReferenceData
from notifier.domain import templates
from notifier.domain.tracking_address import TrackingAddress

ISTANBUL = ZoneInfo("Europe/Istanbul")
# Said when the reference data does not know an institution's code (a later reference version).
UNKNOWN_INSTITUTION = "ilgili kurum"


@dataclass(frozen=True)
class CaseFacts:
    """What every template may use besides the event's parameters."""

    application_number: str
    tracking_code: str
    institution: str | None  # the case's institution as last told (a code)


@dataclass(frozen=True)
class _Values:
    """A stage's parameters resolved for the templates: names in full, moments as days."""

    case: CaseFacts
    institution_name: str
    previous_institution_name: str
    due: date | None
    question: str
    outcome: str
    request: str
    today: date | None = None  # the day the SMS is written (Istanbul)
    address: TrackingAddress | None = None  # the tracking page's, when configured

    @property
    def due_day(self) -> date | None:
        """Returns the due day (the stage table guarantees one for the templates that need it), or None
        when it is before today: the SMS then promises no day in the past."""
        if self.due is None:
            raise ValueError("this template needs a due moment")
        return None if self.today is not None and self.due < self.today else self.due


_RENDER: dict[str, Callable[[_Values], str]] = {
    "registered": lambda v: templates.registered(
        application_number=v.case.application_number,
        tracking_code=v.case.tracking_code,
        institution_name=v.institution_name,
        due=v.due_day,
    ),
    "routed": lambda v: templates.routed(
        application_number=v.case.application_number, institution_name=v.institution_name, address=v.address
    ),
    "transferred": lambda v: templates.transferred(
        application_number=v.case.application_number,
        from_institution_name=v.previous_institution_name,
        to_institution_name=v.institution_name,
        address=v.address,
    ),
    "information_requested": lambda v: templates.information_requested(
        application_number=v.case.application_number,
        tracking_code=v.case.tracking_code,
        institution_name=v.institution_name,
        question=v.question,
        address=v.address,
    ),
    "concluded": lambda v: templates.concluded(
        application_number=v.case.application_number,
        tracking_code=v.case.tracking_code,
        institution_name=v.institution_name,
        outcome=v.outcome,
        address=v.address,
    ),
    "reopened": lambda v: templates.reopened(
        application_number=v.case.application_number, institution_name=v.institution_name, due=v.due_day
    ),
    "withdrawn": lambda v: templates.withdrawn(
        application_number=v.case.application_number, institution_name=v.institution_name
    ),
    "request_refused": lambda v: templates.request_refused(
        application_number=v.case.application_number,
        tracking_code=v.case.tracking_code,
        request=v.request,
        address=v.address,
    ),
}

# The parameters each template cannot do without (institution never: the case's is used instead).
REQUIRED: dict[str, frozenset[str]] = {
    "registered": frozenset({"due"}),
    "routed": frozenset(),
    "transferred": frozenset({"previous_institution"}),
    "information_requested": frozenset({"question"}),
    "concluded": frozenset({"outcome"}),
    "reopened": frozenset({"due"}),
    "withdrawn": frozenset(),
    "request_refused": frozenset({"request"}),
}
# institution_name: the event's own name of its institution, said when the reference data does not
# know the code (an institution added upstream first).
PARAMETERS = frozenset(
    {"institution", "institution_name", "previous_institution", "due", "question", "outcome", "request"}
)


def due_day(due_at: datetime) -> date:
    """Returns the Istanbul calendar day of a due moment."""
    return due_at.astimezone(ISTANBUL).date()


def render(
    template: str,
    parameters: Mapping[str, str],
    case: CaseFacts,
    reference: ReferenceData,
    at: datetime | None = None,
    address: TrackingAddress | None = None,
) -> str:
    """Returns the SMS text of a stage written at `at`, sending the applicant to the tracking page at
    this address when one is given (KeyError for a template the table could not have named)."""

    def name(code: str | None, fallback: str | None = None) -> str:
        institution = reference.institutions.get(code or "")
        return institution.name if institution else fallback or UNKNOWN_INSTITUTION

    due = parameters.get("due")
    values = _Values(
        case=case,
        institution_name=name(
            parameters.get("institution") or case.institution, parameters.get("institution_name")
        ),
        previous_institution_name=name(parameters.get("previous_institution")),
        due=None if due is None else due_day(datetime.fromisoformat(due)),
        question=parameters.get("question", ""),
        outcome=parameters.get("outcome", ""),
        request=parameters.get("request", ""),
        today=None if at is None else due_day(at),
        address=address,
    )
    return _RENDER[template](values)
