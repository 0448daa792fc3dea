"""Why a message could not be applied, said without the message's content.

A reason is logged, stored in the dead-letter event and sent as a dead-letter header, so it must
never carry personal data: pydantic's errors carry the input, and an exception's text may quote a
value (a TC Kimlik No, a phone number). Reasons name error kinds, fields and code locations only.
"""

from __future__ import annotations

import json
import traceback

from pydantic import ValidationError

from acikkapi_shared.decider import CommandRejected
from acikkapi_shared.events.base import UnknownSchemaVersion

MAX_REASON = 500


class PoisonMessage(Exception):
    """A message that can never be applied (bad input); it is recorded with the reason, not retried.

    The reason must not quote the message's content.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def describe(error: BaseException) -> str:
    """Returns a reason for the failure that quotes no input value."""
    if isinstance(error, PoisonMessage):
        reason = error.reason
    elif isinstance(error, CommandRejected):
        reason = f"rejected: {error.code}"
    elif isinstance(error, ValidationError):
        problems = "; ".join(
            f"{'.'.join(str(part) for part in item['loc']) or '(root)'}: {item['type']}"
            for item in error.errors(include_url=False, include_input=False, include_context=False)[:5]
        )
        reason = f"invalid {error.title}: {error.error_count()} errors: {problems}"
    elif isinstance(error, UnknownSchemaVersion):
        reason = str(error)
    elif isinstance(error, json.JSONDecodeError):
        reason = f"not JSON: {error.msg} at {error.pos}"
    else:
        reason = f"{type(error).__name__} at {_where(error)}"
    return reason[:MAX_REASON]


def _where(error: BaseException) -> str:
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return "unknown location"
    last = frames[-1]
    return f"{last.filename.rsplit('/', 1)[-1]}:{last.lineno} in {last.name}"


def storable(text: str) -> str:
    """Returns text that any database stores: no NUL (PostgreSQL refuses it), no lone surrogates."""
    cleaned = text.replace("\x00", "\ufffd")
    return cleaned.encode("utf-8", errors="replace").decode("utf-8")
