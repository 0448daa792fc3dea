"""POST requests: the form the specification defines, read into the portal contract's document and
validated by the same module as every channel (intake.domain.submission)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from intake.domain.problems import ValidationProblem
from intake.open311.catalogue import DISTRICT, IDENTITY_HIDDEN, TCKN, Service

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
    "location": "lat",
    "attachments": "media_url",
}
FORM_BOOLEANS = {"true": True, "false": False}
# Parameters a client may send that Açık Kapı does not keep (the email, a device or account id).
IGNORED = frozenset({"email", "device_id", "account_id", "address_id", "jurisdiction_id", "api_key"})


class FormUnreadable(ValueError):
    """The body is not a form intake can read (not UTF-8, too large, too many fields)."""


def parse_form(body: bytes) -> list[tuple[str, str]]:
    """Returns the form's (name, value) pairs in order; FormUnreadable when it cannot be read."""
    if len(body) > FORM_MAX_BYTES:
        raise FormUnreadable("FORM_TOO_LARGE")
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


def _blank_to_none(value: str | None) -> str | None:
    return value if value is not None and value.strip() else None


def submission_document(
    form: Sequence[tuple[str, str]], service: Service, *, submission_id: str, now: datetime
) -> dict[str, Any]:
    """Returns the form as a portal-contract document (received now, channel OPEN311)."""
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
        "topic": service.topic,
        "type": service.type,
        "district": first(form, f"attribute[{DISTRICT}]") or "",
        "text": first(form, "description") or "",
        "address": _blank_to_none(first(form, "address_string")),
        "location": {"lat": lat, "long": long} if _blank_to_none(lat) or _blank_to_none(long) else None,
        "attachments": media or None,
    }


def problem_descriptions(problems: Sequence[ValidationProblem]) -> list[tuple[str, str]]:
    """Returns each problem as (stable code, "<form field>: <Turkish message>")."""
    return [(p.code, f"{FORM_FIELD_OF.get(p.field, p.field)}: {p.message_tr}") for p in problems]
