"""POST requests: the form the specification defines, read into the portal contract's document and
validated by the same module as every channel (intake.domain.submission)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from acikkapi_shared.reference import ReferenceData
from intake.domain.place import coordinates_at_fault
from intake.domain.problems import ValidationProblem
from intake.domain.submission import SubmissionInvalid, ValidSubmission, validate_submission
from intake.open311.catalogue import DISTRICT, IDENTITY_HIDDEN, TCKN, Service, find_service

OPEN311_CHANNEL = "OPEN311"
FORM_MAX_BYTES = 64 * 1024
FORM_MAX_FIELDS = 64
# Where each field of the portal contract comes from in the Open311 form (for error descriptions).
FORM_FIELD_OF = {
    "applicant.name": "first_name",
    "applicant.phone": "phone",
    "applicant.tckn": f"attribute[{TCKN}]",
    "applicant.identity_hidden": f"attribute[{IDENTITY_HIDDEN}]",
    "applicant": "first_name",
    "district": f"attribute[{DISTRICT}]",
    "topic": "service_code",
    "type": "service_code",
    "text": "description",
    "address": "address_string",
    "attachments": "media_url",
}
# The portal contract's one location is two form fields: a problem of it names the one(s) at fault.
LOCATION = "location"
# Open311's own wording where the shared message would not tell an integrator what to send.
FORM_MESSAGES_TR = {
    ("FIELD_INVALID", "applicant.identity_hidden"): (
        "Kimliğin gizli tutulması isteği true ya da false olmalıdır."
    ),
}
FORM_BOOLEANS = {"true": True, "false": False}
# The one field a form may send more than once (one value per attachment); any other field sent twice
# would leave intake to guess which value the integrator meant.
REPEATABLE = frozenset({"media_url"})
REPEATED_TR = "Bu alan birden fazla kez gönderildi; yalnızca media_url tekrarlanabilir."
SERVICE_MISSING_TR = "service_code: Hizmet kodu alanı boş bırakılamaz."
SERVICE_TR = "service_code: Bu hizmet kodu tanınmadı. Hizmetlerin listesi için GET services kullanın."
# Parameters a client may send that Açık Kapı does not keep (the email, a device or account id).
IGNORED = frozenset({"email", "device_id", "account_id", "address_id", "jurisdiction_id", "api_key"})


class FormUnreadable(ValueError):
    """The body is not a form intake can read (not UTF-8, too large, too many fields)."""


class FormInvalid(ValueError):
    """A form that cannot be registered: every problem found, as (stable code, description)."""

    def __init__(self, problems: Sequence[tuple[str, str]]) -> None:
        super().__init__("; ".join(code for code, _ in problems))
        self.problems = list(problems)


def parse_form(body: bytes) -> list[tuple[str, str]]:
    """Returns the form's (name, value) pairs in order; FormUnreadable when it cannot be read."""
    if len(body) > FORM_MAX_BYTES:
        raise FormUnreadable("FORM_TOO_LARGE")
    # Counted as parse_qsl counts (every "&" starts a field), so the limit has its own answer.
    if body.count(b"&") + 1 > FORM_MAX_FIELDS:
        raise FormUnreadable("FORM_TOO_MANY_FIELDS")
    try:
        text = body.decode("utf-8")
        # errors="strict": a percent-escaped byte sequence that is not UTF-8 is refused like raw bytes
        # (the default would keep it as U+FFFD in the applicant's text).
        return parse_qsl(
            text,
            keep_blank_values=True,
            strict_parsing=False,
            max_num_fields=FORM_MAX_FIELDS,
            errors="strict",
        )
    except (UnicodeDecodeError, ValueError) as error:
        raise FormUnreadable("FORM_UNREADABLE") from error


def first(form: Sequence[tuple[str, str]], name: str) -> str | None:
    """Returns the first value of a field, or None."""
    return next((value for key, value in form if key == name), None)


def repeated_fields(form: Sequence[tuple[str, str]]) -> list[str]:
    """Returns the fields sent more than once (media_url aside), in the order they first appear."""
    counts = Counter(name for name, _ in form)
    return [name for name, count in counts.items() if count > 1 and name not in REPEATABLE]


def same_jurisdiction(given: str | None, ours: str) -> bool:
    """Returns whether a jurisdiction_id names ours: absent or blank does; a domain name's casing,
    surrounding blanks and the one trailing dot of its fully qualified form do not count."""
    return not given or not given.strip() or _domain_name(given) == _domain_name(ours)


def _domain_name(value: str) -> str:
    name = value.strip().lower()
    return name.removesuffix(".")


def read_submission(
    form: Sequence[tuple[str, str]], reference: ReferenceData, *, submission_id: str, now: datetime
) -> ValidSubmission:
    """Returns the form's valid submission; FormInvalid naming every problem: each repeated field, the
    service code (missing or unknown) and whatever else can be checked without the service."""
    repeated = repeated_fields(form)
    problems = [("FIELD_REPEATED", f"{name}: {REPEATED_TR}") for name in repeated]
    code = None if "service_code" in repeated else (first(form, "service_code") or "").strip()
    service = find_service(reference, code) if code else None
    if code is not None and service is None:
        problems.append(
            ("SERVICE_CODE_UNKNOWN", SERVICE_TR) if code else ("FIELD_MISSING", SERVICE_MISSING_TR)
        )
    # Without a service the topic and type are left empty: their problems are the service code's, told.
    unchecked = {*repeated, *(() if service else ("service_code",))}
    document = submission_document(form, service, submission_id=submission_id, now=now)
    try:
        submission = validate_submission(document, now=now, reference=reference)
    except SubmissionInvalid as invalid:
        kept = [p for p in invalid.problems if FORM_FIELD_OF.get(p.field, p.field) not in unchecked]
        raise FormInvalid([*problems, *problem_descriptions(kept, form)]) from None
    if problems:
        raise FormInvalid(problems)
    return submission


def _blank_to_none(value: str | None) -> str | None:
    return value if value is not None and value.strip() else None


def submission_document(
    form: Sequence[tuple[str, str]], service: Service | None, *, submission_id: str, now: datetime
) -> dict[str, Any]:
    """Returns the form as a portal-contract document (received now, channel OPEN311); without a
    service, an empty topic and type."""
    name = " ".join(part for part in (first(form, "first_name"), first(form, "last_name")) if part)
    applicant: dict[str, Any] = {
        "name": name,
        "phone": first(form, "phone") or "",
        "tckn": _blank_to_none(first(form, f"attribute[{TCKN}]")),
    }
    hidden = first(form, f"attribute[{IDENTITY_HIDDEN}]")
    if hidden is not None and hidden.strip():
        # The form's words for the contract's boolean; anything else is refused by the validation.
        applicant["identity_hidden"] = FORM_BOOLEANS.get(hidden.strip().lower(), hidden.strip())
    lat, long = first(form, "lat"), first(form, "long")
    media = [value for key, value in form if key == "media_url" and value.strip()]
    return {
        "submission_id": submission_id,
        "submitted_at": now.isoformat(),
        "channel": OPEN311_CHANNEL,
        "applicant": applicant,
        "topic": service.topic if service else "",
        "type": service.type if service else "",
        "district": first(form, f"attribute[{DISTRICT}]") or "",
        "text": first(form, "description") or "",
        "address": _blank_to_none(first(form, "address_string")),
        "location": {"lat": lat, "long": long} if _blank_to_none(lat) or _blank_to_none(long) else None,
        "attachments": media or None,
    }


def problem_descriptions(
    problems: Sequence[ValidationProblem], form: Sequence[tuple[str, str]]
) -> list[tuple[str, str]]:
    """Returns each problem as (stable code, "<form field>: <Turkish message>"); the location's once for
    each of lat and long at fault (a value missing or unreadable, else outside Kars on its axis)."""
    return [
        (p.code, f"{name}: {FORM_MESSAGES_TR.get((p.code, p.field), p.message_tr)}")
        for p in problems
        for name in _form_fields(p.field, form)
    ]


def _form_fields(field: str, form: Sequence[tuple[str, str]]) -> tuple[str, ...]:
    if field == LOCATION:
        return coordinates_at_fault(first(form, "lat"), first(form, "long")) or ("lat", "long")
    return (FORM_FIELD_OF.get(field, field),)
