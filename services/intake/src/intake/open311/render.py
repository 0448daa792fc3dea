"""Renders Open311 documents in the specification's XML and JSON.

A document is plain data: dicts (elements by name, in order), lists (a wrapper element whose children
are named by the wrapper: `services` → `service`, `service_requests` → `request`, …), strings,
numbers, booleans, datetimes (ISO 8601 with the Istanbul offset) and None (an empty element in XML,
null in JSON). In JSON a list document is the bare array, as the specification's examples are.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from acikkapi_shared.http_errors import framework_refusal

ISTANBUL = ZoneInfo("Europe/Istanbul")
FORMATS = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
# What XML 1.0 forbids in text (its Char production): C0 controls other than tab, newline and carriage
# return, surrogates, U+FFFE and U+FFFF. ElementTree writes them as they are, and the document is then
# not well-formed: each is replaced by U+FFFD.
NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

# wrapper element -> the name of each of its children
ITEM_NAMES: dict[str, str] = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "service_request_updates": "request_update",
}


def open311_datetime(moment: datetime) -> str:
    """Returns the moment as the specification writes dates: ISO 8601 with the offset (Istanbul)."""
    return moment.astimezone(ISTANBUL).isoformat(timespec="seconds")


def _scalar(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return open311_datetime(value)
    return str(value)


def _json(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json(item) for item in value]
    if isinstance(value, datetime):
        return open311_datetime(value)
    return value


def _append(parent: ET.Element, name: str, value: Any) -> None:
    element = ET.SubElement(parent, name)
    _fill(element, name, value)


def _fill(element: ET.Element, name: str, value: Any) -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            _append(element, key, item)
    elif isinstance(value, list | tuple):
        child = ITEM_NAMES[name]
        for item in value:
            _append(element, child, item)
    else:
        element.text = NOT_XML_CHAR.sub("\ufffd", _scalar(value))


def to_xml(root: str, document: Any) -> bytes:
    """Returns the document under the root element, with the XML declaration (UTF-8)."""
    element = ET.Element(root)
    _fill(element, root, document)
    body: bytes = ET.tostring(element, encoding="utf-8", xml_declaration=True)
    return body


def render(fmt: str, root: str, document: Mapping[str, Any] | Sequence[Any], status: int = 200) -> Response:
    """Returns the document as the response in the format (xml or json)."""
    if fmt == "json":
        return JSONResponse(_json(document), status_code=status, media_type=FORMATS["json"])
    return Response(to_xml(root, document), status_code=status, media_type=FORMATS["xml"])


_ERRORS_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "code": {"type": "integer", "description": "The HTTP status."},
            "description": {"type": "string", "description": "A stable code, then a Turkish text."},
        },
        "required": ["code", "description"],
    },
}
_ERRORS_CONTENT = {
    "application/json": {"schema": _ERRORS_SCHEMA},
    "text/xml": {"schema": {"type": "string", "description": "<errors><error><code/><description/>"}},
}
# For the Open311 routes' `responses=`: what they answer, in the path's format (never FastAPI's 422
# HTTPValidationError, which the router's handlers turn into these). Listing 4XX keeps that one out.
OPENAPI_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/xml": {"schema": {"type": "string"}}}, "description": "In the path's format."},
    **{
        status: {"description": description, "content": _ERRORS_CONTENT}
        for status, description in (
            (400, "A value cannot be used: each failing field named (the specification's errors)."),
            (403, "POST without a valid api_key."),
            (404, "Unknown request, token, service, format or jurisdiction."),
            (409, "The Idempotency-Key or client_token was used for another request."),
            ("4XX", "Any other refusal, in the same shape."),
        )
    },
}


def errors(fmt: str, status: int, problems: Sequence[tuple[str, str]]) -> Response:
    """Returns the specification's error answer: `errors`/`error` with `code` (the HTTP status) and
    `description`; each description starts with a stable code ("DATE_INVALID start_date: …")."""
    document = [{"code": status, "description": f"{code} {text}"} for code, text in problems]
    return render(fmt, "errors", document, status)


def jurisdiction_unknown(fmt: str, ours: str) -> Response:
    """Returns the answer to a jurisdiction_id that is not this endpoint's."""
    return errors(fmt, 404, [("JURISDICTION_UNKNOWN", f"jurisdiction_id: {ours} olmalı.")])


def framework_errors(request: Request, exc: StarletteHTTPException) -> Response:
    """Returns the specification's error answer to one of the framework's refusals under Open311 (an
    unknown path 404 NOT_FOUND, a wrong method 405 METHOD_NOT_ALLOWED with its Allow header), in the
    format the path asks for: JSON for `.json`, else XML (as for a format that is neither)."""
    code, message = framework_refusal(request, exc)
    fmt = "json" if request.url.path.endswith(".json") else "xml"
    answer = errors(fmt, exc.status_code, [(code, message)])
    answer.headers.update(exc.headers or {})
    return answer
