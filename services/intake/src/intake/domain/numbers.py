"""Application numbers ("2026-000123-2": year, sequence, check character) and tracking codes.

The numbers are read by acikkapi_shared.application_numbers (the router reads them too); intake's
modules import them from here."""

from __future__ import annotations

from acikkapi_shared.application_numbers import (
    CHECK_FAILED_MESSAGE_TR,
    MALFORMED_MESSAGE_TR,
    SEQUENCE_MAX,
    SEQUENCE_MIN_WIDTH,
    YEAR_MAX,
    YEAR_MIN,
    ApplicationNumber,
    InvalidApplicationNumber,
    format_application_number,
    parse_application_number,
)
from intake.domain.tracking_code import (
    InvalidTrackingCode,
    TokenBytes,
    new_tracking_code,
    normalise_tracking_code,
)

__all__ = [
    "CHECK_FAILED_MESSAGE_TR",
    "MALFORMED_MESSAGE_TR",
    "SEQUENCE_MAX",
    "SEQUENCE_MIN_WIDTH",
    "YEAR_MAX",
    "YEAR_MIN",
    "ApplicationNumber",
    "InvalidApplicationNumber",
    "InvalidTrackingCode",
    "TokenBytes",
    "format_application_number",
    "new_tracking_code",
    "normalise_tracking_code",
    "parse_application_number",
]
