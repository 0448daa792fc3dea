"""The page's forms without JavaScript: a signed token in a hidden field against cross-site requests,
an Idempotency-Key generated into each form, and a bounded form-body parser.

The token signs the application number, the action and the form's idempotency key with an expiry
(HMAC-SHA256 with intake's page secret), so a form can be sent only as the page rendered it, only
for that application, and only for a while; the tracking code is checked again on every request.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta
from urllib.parse import parse_qs

MAX_FORM_BYTES = 64 * 1024
MAX_FORM_FIELDS = 16


class FormTooLarge(Exception):
    """The form body is larger than MAX_FORM_BYTES."""


class FormSigner:
    """Issues and checks the forms' tokens."""

    def __init__(self, secret: bytes, lifetime: timedelta) -> None:
        if len(secret) < 16:
            raise ValueError("the page secret must have at least 16 bytes")
        self._secret = secret
        self._lifetime = lifetime

    def _signature(self, number: str, action: str, key: str, expires: int) -> str:
        message = f"{number}\n{action}\n{key}\n{expires}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def issue(self, number: str, action: str, key: str, now: datetime) -> str:
        """Returns the token of a form for the application, action and idempotency key."""
        expires = int((now + self._lifetime).timestamp())
        return f"{expires}.{self._signature(number, action, key, expires)}"

    def valid(self, token: str, number: str, action: str, key: str, now: datetime) -> bool:
        """Returns True for a token this signer issued for exactly these, not yet expired."""
        expires_text, _, signature = token.partition(".")
        if not expires_text.isdigit() or len(expires_text) > 12:
            return False
        expires = int(expires_text)
        expected = self._signature(number, action, key, expires)
        return hmac.compare_digest(expected, signature) and now.timestamp() < expires


def parse_form(body: bytes) -> dict[str, str]:
    """Returns the fields of an application/x-www-form-urlencoded body (the first value of each)."""
    if len(body) > MAX_FORM_BYTES:
        raise FormTooLarge
    text = body.decode("utf-8", errors="replace")
    try:
        parsed = parse_qs(text, keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS, errors="replace")
    except ValueError:  # more fields than allowed
        raise FormTooLarge from None
    return {name: values[0] for name, values in parsed.items()}
