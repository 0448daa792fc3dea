"""Where an application is about and what it shows: an address, a point inside Kars, attachment URLs.

Every channel (portal, Open311, the desk) validates these optional fields here, like the rest of the
portal contract: each rejection names its field with a stable code and a Turkish message.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from intake.domain.problems import FieldInvalid, problem
from intake.domain.validation import clean_text, normalise_text

__all__ = [
    "ADDRESS_MAX_LEN",
    "ATTACHMENTS_MAX",
    "ATTACHMENT_URL_MAX_LEN",
    "KARS_BOX",
    "LOCATION_KEYS",
    "GeoPoint",
    "coordinates_at_fault",
    "inside_kars",
    "validate_address",
    "validate_attachments",
    "validate_location",
]

ADDRESS_MIN_LEN = 3
ADDRESS_MAX_LEN = 300
ATTACHMENTS_MAX = 5
ATTACHMENT_URL_MAX_LEN = 2000
_COORDINATE_MAX_RAW_LEN = 32
LOCATION_KEYS = ("lat", "long")  # a location's keys in a document; any other is no field


@dataclass(frozen=True, slots=True)
class Box:
    """A latitude/longitude box (WGS 84 degrees), edges included."""

    south: float
    west: float
    north: float
    east: float

    def contains(self, lat: float, long: float) -> bool:
        """Returns True when the point lies in the box."""
        return self.holds_lat(lat) and self.holds_long(long)

    def holds_lat(self, lat: float) -> bool:
        """Returns True when the latitude lies between the box's south and north edges."""
        return self.south <= lat <= self.north

    def holds_long(self, long: float) -> bool:
        """Returns True when the longitude lies between the box's west and east edges."""
        return self.west <= long <= self.east


# The province of Kars (districts from Arpaçay in the north to Kağızman in the south, Sarıkamış in the
# west to Akyaka and the Armenian border at Ani in the east) lies within about 39.93-41.07 N and
# 42.38-43.80 E; the box adds about 0.1 degree (11 km) on each side, so a point near the border is
# never refused. It admits some of Ardahan, Erzurum, Ağrı and Iğdır near Kars: the office re-routes.
KARS_BOX = Box(south=39.80, west=42.25, north=41.20, east=43.95)


@dataclass(frozen=True, slots=True)
class GeoPoint:
    """A point (WGS 84 degrees)."""

    lat: float
    long: float


def inside_kars(lat: float, long: float) -> bool:
    """Returns True when the point lies in the province of Kars (the documented box)."""
    return KARS_BOX.contains(lat, long)


def _coordinate(value: object, field: str, limit: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise FieldInvalid(problem("LOCATION_INVALID", field))
    if isinstance(value, str):
        text = value.strip()
        if not text or len(text) > _COORDINATE_MAX_RAW_LEN:
            raise FieldInvalid(problem("LOCATION_INVALID", field))
        try:
            number = float(text)
        except ValueError as error:
            raise FieldInvalid(problem("LOCATION_INVALID", field)) from error
    else:
        number = float(value)
    if not math.isfinite(number) or abs(number) > limit:
        raise FieldInvalid(problem("LOCATION_INVALID", field))
    return number


def validate_location(lat: object, long: object, *, field: str = "location") -> GeoPoint:
    """Returns the point; FieldInvalid LOCATION_INVALID (not two coordinates) or LOCATION_OUTSIDE_KARS."""
    point = GeoPoint(_coordinate(lat, field, 90.0), _coordinate(long, field, 180.0))
    if not inside_kars(point.lat, point.long):
        raise FieldInvalid(problem("LOCATION_OUTSIDE_KARS", field))
    return point


def coordinates_at_fault(lat: object, long: object) -> tuple[str, ...]:
    """Returns which of "lat" and "long" validate_location refuses the point for: each that is missing or
    cannot be read; when both can, each outside Kars on its own axis (the box's south-north edges for
    lat, west-east for long: one of them at least for a point outside). () for a point inside Kars."""
    lat_read, long_read = _readable(lat, 90.0), _readable(long, 180.0)
    if lat_read is None or long_read is None:
        return tuple(name for name, number in (("lat", lat_read), ("long", long_read)) if number is None)
    inside = (("lat", KARS_BOX.holds_lat(lat_read)), ("long", KARS_BOX.holds_long(long_read)))
    return tuple(name for name, holds in inside if not holds)


def _readable(value: object, limit: float) -> float | None:
    try:
        return _coordinate(value, "location", limit)
    except FieldInvalid:
        return None


def validate_address(value: str, *, field: str = "address") -> str:
    """Returns the address as single-line text within 3-300 characters."""
    return normalise_text(value, field=field, min_len=ADDRESS_MIN_LEN, max_len=ADDRESS_MAX_LEN)


def validate_attachments(values: object, *, field: str = "attachments") -> tuple[str, ...]:
    """Returns at most ATTACHMENTS_MAX absolute http/https URLs (each at most 2,000 characters)."""
    if isinstance(values, str) or not isinstance(values, Sequence):
        raise FieldInvalid(problem("FIELD_NOT_LIST", field))
    if len(values) > ATTACHMENTS_MAX:
        raise FieldInvalid(problem("ATTACHMENTS_TOO_MANY", field, max_len=ATTACHMENTS_MAX))
    return tuple(attachment_url(value, field=field) for value in values)


def attachment_url(value: object, *, field: str = "attachments") -> str:
    """Returns one attachment URL cleaned; FieldInvalid ATTACHMENT_URL_INVALID unless http(s) with a host."""
    if not isinstance(value, str) or len(value) > ATTACHMENT_URL_MAX_LEN:
        raise FieldInvalid(problem("ATTACHMENT_URL_INVALID", field))
    url = clean_text(value)
    if not url or " " in url or not url.isprintable():
        raise FieldInvalid(problem("ATTACHMENT_URL_INVALID", field))
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError as error:
        raise FieldInvalid(problem("ATTACHMENT_URL_INVALID", field)) from error
    if parts.scheme.lower() not in ("http", "https") or not host:
        raise FieldInvalid(problem("ATTACHMENT_URL_INVALID", field))
    return url
