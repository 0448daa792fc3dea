"""The Netgsm REST v2 send request as the provider checks it: codes, auth and body validation."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Any

SUCCESS = "00"
MESSAGE_TEXT_ERROR = "20"
INVALID_AUTH = "30"
INVALID_HEADER = "40"
IYS_NOT_ALLOWED = "50"
NO_IYS_BRAND = "51"
PARAMETER_ERROR = "70"
SENDING_RATE_LIMIT_EXCEEDED = "80"
DUPLICATE_RATE_LIMIT_EXCEEDED = "85"
SYSTEM_ERROR = "100"
UNDEFINED_ERROR = "5000"

DESCRIPTIONS = {
    SUCCESS: "queued",
    MESSAGE_TEXT_ERROR: "message text is empty, malformed or too long",
    INVALID_AUTH: "invalid usercode or password, or no API access",
    INVALID_HEADER: "message header (sender name) is not defined",
    IYS_NOT_ALLOWED: "IYS controlled sending is not allowed for this account",
    NO_IYS_BRAND: "no IYS brand found for this account",
    PARAMETER_ERROR: "invalid request: a parameter is wrong or a required field is missing",
    SENDING_RATE_LIMIT_EXCEEDED: "sending rate limit exceeded",
    DUPLICATE_RATE_LIMIT_EXCEEDED: "too many jobs for the same number within one minute",
    SYSTEM_ERROR: "system error",
    "101": "system error",
    UNDEFINED_ERROR: "undefined error",
}

# Refusals that come from the account's set-up rather than from one request (30 also means the
# caller's IP is not allowed): they last until someone changes the account.
ACCOUNT_REFUSAL_CODES = frozenset({INVALID_AUTH, INVALID_HEADER, IYS_NOT_ALLOWED, NO_IYS_BRAND})

# Netgsm answers provider errors with HTTP 406 and the code in the JSON body.
ERROR_STATUS = 406
HEADER_MAX_LENGTH = 11
# The simulator's own ceiling for one message (the provider's depends on the account).
MESSAGE_MAX_CHARS = 1000
IYS_FILTERS = frozenset({"0", "11", "12"})
_TURKISH_MOBILE = re.compile(r"^(?:\+?90|0)?(5\d{9})$")


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """One message of a send request, its number normalised to the 10-digit national form."""

    no: str
    msg: str


@dataclass(frozen=True, slots=True)
class SendRequest:
    """A validated send request."""

    msgheader: str
    messages: tuple[OutgoingMessage, ...]
    encoding: str | None
    iysfilter: str | None


class NetgsmError(Exception):
    """A request the provider refuses; code is one of the Netgsm answer codes."""

    def __init__(self, code: str) -> None:
        super().__init__(DESCRIPTIONS.get(code, "error"))
        self.code = code


def error_body(code: str) -> dict[str, Any]:
    """Returns the JSON body Netgsm answers with for this code."""
    return {"code": code, "jobid": None, "description": DESCRIPTIONS.get(code, "error")}


def normalise_number(text: str) -> str | None:
    """Returns a Turkish mobile number as 5XXXXXXXXX, or None when it is not one."""
    match = _TURKISH_MOBILE.match(text.replace(" ", ""))
    return match.group(1) if match else None


def check_basic_auth(header: str | None, usercode: str, password: str) -> None:
    """Raises NetgsmError(30) unless the Authorization header carries these credentials."""
    if header is None or not header.startswith("Basic "):
        raise NetgsmError(INVALID_AUTH)
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as malformed:
        raise NetgsmError(INVALID_AUTH) from malformed
    given_user, _, given_password = decoded.partition(":")
    if (given_user, given_password) != (usercode, password):
        raise NetgsmError(INVALID_AUTH)


def parse_send_request(body: Any, *, allowed_headers: frozenset[str] | None = None) -> SendRequest:
    """Returns the validated request; raises NetgsmError with the code the provider would answer."""
    if not isinstance(body, dict):
        raise NetgsmError(PARAMETER_ERROR)
    header = body.get("msgheader")
    if not isinstance(header, str):
        raise NetgsmError(PARAMETER_ERROR)
    if not 1 <= len(header) <= HEADER_MAX_LENGTH or (
        allowed_headers is not None and header not in allowed_headers
    ):
        raise NetgsmError(INVALID_HEADER)
    encoding = body.get("encoding")
    if encoding not in (None, "", "TR"):
        raise NetgsmError(PARAMETER_ERROR)
    iysfilter = body.get("iysfilter")
    if iysfilter not in (None, "") and iysfilter not in IYS_FILTERS:
        raise NetgsmError(PARAMETER_ERROR)
    raw_messages = body.get("messages")
    if not isinstance(raw_messages, list) or not raw_messages:
        raise NetgsmError(PARAMETER_ERROR)
    return SendRequest(
        msgheader=header,
        messages=tuple(_parse_message(item) for item in raw_messages),
        encoding=encoding or None,
        iysfilter=iysfilter or None,
    )


def _parse_message(item: Any) -> OutgoingMessage:
    """Returns one validated message of the messages list."""
    if not isinstance(item, dict):
        raise NetgsmError(PARAMETER_ERROR)
    msg, no = item.get("msg"), item.get("no")
    if not isinstance(msg, str) or not msg.strip() or len(msg) > MESSAGE_MAX_CHARS:
        raise NetgsmError(MESSAGE_TEXT_ERROR)
    number = normalise_number(no) if isinstance(no, str) else None
    if number is None:
        raise NetgsmError(PARAMETER_ERROR)
    return OutgoingMessage(no=number, msg=msg)
