"""The portal's submission contract v1 (pydantic) and its validation into a ValidSubmission."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, StrictBool, ValidationError

from acikkapi_shared.reference import ReferenceData, kars
from intake.domain.place import GeoPoint, validate_address, validate_attachments, validate_location
from intake.domain.problems import (
    FieldInvalid,
    SubmissionInvalid,
    ValidationProblem,
    problem,
)
from intake.domain.reference_codes import resolve_code
from intake.domain.validation import (
    normalise_mobile,
    normalise_name,
    normalise_petition_text,
    validate_tckn,
)

__all__ = [
    "ApplicantV1",
    "PortalSubmissionV1",
    "SubmissionInvalid",
    "ValidSubmission",
    "ValidationProblem",
    "reply_phone",
    "validate_submission",
]

FIELDS: tuple[str, ...] = (
    "submission_id",
    "submitted_at",
    "channel",
    "applicant.name",
    "applicant.phone",
    "applicant.tckn",
    "topic",
    "type",
    "district",
    "text",
)
OPTIONAL_FIELDS = frozenset({"applicant.tckn"})
# Optional fields of any shape, read from the raw document (place.py): after FIELDS on the form.
PLACE_FIELDS: tuple[str, ...] = ("address", "location", "attachments")
# A receipt moment must be one an application can be numbered and clocked from: not before the
# numbering's first year, not (beyond a clock skew) in the future, and not older than a portal's
# re-send after a long outage could be.
EARLIEST_RECEIPT = datetime(2000, 1, 1, tzinfo=UTC)
RECEIPT_MAX_AGE = timedelta(days=30)
RECEIPT_MAX_SKEW = timedelta(minutes=5)

# pydantic error type -> stable problem code
_PYDANTIC_CODES = {
    "missing": "FIELD_MISSING",
    "string_type": "FIELD_NOT_TEXT",
    "model_type": "FIELD_NOT_OBJECT",
    "model_attributes_type": "FIELD_NOT_OBJECT",
    "dict_type": "FIELD_NOT_OBJECT",
}


class _Lenient(BaseModel):
    # Later contract versions may add fields: ignore them. Numbers are accepted as text.
    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True, frozen=True)


class ApplicantV1(_Lenient):
    """The applicant as the portal sends them; tckn is optional, and so are the two wishes (default:
    identity shown, SMS wanted, as before they existed)."""

    name: str
    phone: str
    tckn: str | None = None
    # JSON booleans only: "yes" or 1 read as true would silently cost the applicant their SMS.
    identity_hidden: StrictBool = False
    sms_refused: StrictBool = False


class PortalSubmissionV1(_Lenient):
    """The raw shape of a portal submission, contract v1: strings, checked later by the domain."""

    submission_id: str
    submitted_at: str
    channel: str
    applicant: ApplicantV1
    topic: str
    type: str
    district: str
    text: str


@dataclass(frozen=True, slots=True)
class ValidSubmission:
    """A submission whose every field is valid and normalised; codes are reference codes."""

    submission_id: str
    submitted_at: datetime
    channel: str
    applicant_name: str
    phone_e164: str
    tckn: str | None
    topic: str
    type: str
    district: str
    text: str
    identity_hidden: bool = False
    sms_refused: bool = False
    address: str | None = None
    location: GeoPoint | None = None
    attachments: tuple[str, ...] = ()


def validate_submission(
    raw: Mapping[str, object],
    *,
    now: datetime,
    max_age: timedelta = RECEIPT_MAX_AGE,
    reference: ReferenceData | None = None,
) -> ValidSubmission:
    """Returns the validated submission; raises SubmissionInvalid listing ALL problems found.

    now is the moment intake reads it: the receipt moment must lie within max_age before it and
    RECEIPT_MAX_SKEW after it.
    """
    if not isinstance(raw, Mapping):
        raise SubmissionInvalid((problem("PAYLOAD_NOT_OBJECT", "submission"),))
    values, problems = _read_fields(raw)
    ref = reference if reference is not None else kars()
    earliest = max(EARLIEST_RECEIPT, now - max_age)
    sms_wanted = not _refuses_sms(raw.get("applicant"))
    checks: dict[str, Callable[[str], object]] = {
        "submission_id": _submission_id,
        "submitted_at": lambda v: _submitted_at(v, earliest, now + RECEIPT_MAX_SKEW),
        "channel": lambda v: resolve_code(v, field="channel", reference=ref),
        "applicant.name": normalise_name,
        "applicant.phone": lambda v: normalise_mobile(v, sms_wanted=sms_wanted),
        "applicant.tckn": validate_tckn,
        "topic": lambda v: resolve_code(v, field="topic", reference=ref),
        "type": lambda v: resolve_code(v, field="type", reference=ref),
        "district": lambda v: resolve_code(v, field="district", reference=ref),
        "text": normalise_petition_text,
    }
    clean: dict[str, Any] = {}
    for field in FIELDS:
        if field not in values:
            continue  # pydantic already reported it
        value = values[field]
        if value is None or not value.strip():
            if field in OPTIONAL_FIELDS:
                clean[field] = None
            else:
                problems.append(problem("FIELD_MISSING", field))
            continue
        try:
            clean[field] = checks[field](value)
        except FieldInvalid as invalid:
            problems.append(invalid.problem)
    place = _read_place(raw, problems)
    if problems:
        raise SubmissionInvalid(tuple(sorted(problems, key=_form_order)))
    applicant = raw.get("applicant")
    wishes = ApplicantV1.model_validate(applicant) if isinstance(applicant, Mapping) else None
    return ValidSubmission(
        submission_id=clean["submission_id"],
        submitted_at=clean["submitted_at"],
        channel=clean["channel"],
        applicant_name=clean["applicant.name"],
        phone_e164=clean["applicant.phone"],
        tckn=clean["applicant.tckn"],
        topic=clean["topic"],
        type=clean["type"],
        district=clean["district"],
        text=clean["text"],
        identity_hidden=wishes.identity_hidden if wishes else False,
        sms_refused=wishes.sms_refused if wishes else False,
        address=place.get("address"),
        location=place.get("location"),
        attachments=place.get("attachments", ()),
    )


def _read_place(raw: Mapping[str, object], problems: list[ValidationProblem]) -> dict[str, Any]:
    """Returns the optional address, location and attachments that are valid; appends the problems of
    the others. Absent or null (a blank address too) means not given."""
    readers: dict[str, Callable[[Any], object]] = {
        "address": _address,
        "location": _location,
        "attachments": validate_attachments,
    }
    found: dict[str, Any] = {}
    for field, read in readers.items():
        value = raw.get(field)
        if value is None:
            continue
        try:
            cleaned = read(value)
        except FieldInvalid as invalid:
            problems.append(invalid.problem)
            continue
        if cleaned is not None:
            found[field] = cleaned
    return found


def _address(value: object) -> str | None:
    if not isinstance(value, str):
        raise FieldInvalid(problem("FIELD_NOT_TEXT", "address"))
    return validate_address(value) if value.strip() else None


def _location(value: object) -> GeoPoint:
    if not isinstance(value, Mapping):
        raise FieldInvalid(problem("LOCATION_INVALID", "location"))
    return validate_location(value.get("lat"), value.get("long"))


def reply_phone(raw: object) -> str | None:
    """Returns the mobile number (E.164) to tell the applicant of a rejected submission why: None
    unless it is a valid Turkish mobile and the applicant neither hid their identity nor refused SMS
    (a wish that cannot be read counts as refusing)."""
    applicant = raw.get("applicant") if isinstance(raw, Mapping) else None
    if not isinstance(applicant, Mapping) or _refuses_sms(applicant):
        return None
    phone = applicant.get("phone")
    try:
        return normalise_mobile(str(phone)) if isinstance(phone, str | int) else None
    except FieldInvalid:
        return None


def _refuses_sms(applicant: object) -> bool:
    """Returns whether the applicant hid their identity or refused SMS: they get none (a wish that cannot
    be read counts as refusing)."""
    if not isinstance(applicant, Mapping):
        return False
    return any(applicant.get(wish, False) is not False for wish in ("identity_hidden", "sms_refused"))


def _read_fields(
    raw: Mapping[str, object],
) -> tuple[dict[str, str | None], list[ValidationProblem]]:
    """Returns the fields pydantic accepted (dotted name -> text) and problems for the rest."""
    try:
        model = PortalSubmissionV1.model_validate(raw)
    except ValidationError as error:
        problems = [_from_pydantic(detail) for detail in error.errors()]
        refused = {p.field for p in problems}
        accepted = {
            field: _as_text(_dig(raw, field))
            for field in FIELDS
            if not any(field == bad or field.startswith(bad + ".") for bad in refused)
        }
        return accepted, problems
    dumped = model.model_dump()
    return {field: _dig(dumped, field) for field in FIELDS}, []


def _form_order(found: ValidationProblem) -> int:
    """Returns where the problem's field sits in the form, so problems are listed top to bottom."""
    for index, field in enumerate(FIELDS + PLACE_FIELDS):
        if field == found.field or field.startswith(found.field + "."):
            return index
    return len(FIELDS) + len(PLACE_FIELDS)


def _from_pydantic(detail: Mapping[str, Any]) -> ValidationProblem:
    field = ".".join(str(part) for part in detail["loc"]) or "submission"
    code = _PYDANTIC_CODES.get(str(detail["type"]), "FIELD_INVALID")
    return problem(code, field)


def _dig(document: Mapping[str, Any], dotted: str) -> Any:
    value: Any = document
    for part in dotted.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _as_text(value: object) -> str | None:
    # Only reached for values pydantic accepted: text, numbers it would coerce, or an absent tckn.
    if value is None or isinstance(value, str):
        return value
    return str(value)


def _submission_id(value: str) -> str:
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError as error:
        raise FieldInvalid(problem("SUBMISSION_ID_INVALID", "submission_id")) from error


def _submitted_at(value: str, earliest: datetime, latest: datetime) -> datetime:
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError as error:
        raise FieldInvalid(problem("SUBMITTED_AT_INVALID", "submitted_at")) from error
    if moment.utcoffset() is None:
        raise FieldInvalid(problem("SUBMITTED_AT_NO_OFFSET", "submitted_at"))
    try:
        in_range = earliest <= moment <= latest
    except OverflowError:  # an offset that pushes the moment past datetime's range
        in_range = False
    if not in_range:
        raise FieldInvalid(problem("SUBMITTED_AT_OUT_OF_RANGE", "submitted_at"))
    return moment
