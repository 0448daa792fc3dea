"""The tracking page's public address as the SMS write it (ACIKKAPI_NOTIFIER_TRACKING_URL).

An https address on a domain name is written without its scheme ("acikkapi.kars.gov.tr/takip"): phones
link it all the same (and open it over http first: the public name must redirect to https), and the SMS
keeps 8 septets. Anything else keeps its scheme: a phone links an IP address or a name without a dot
("http://127.0.0.1:8001/takip", the dev stack's) only with it. The page (intake's /takip) pre-fills the
number from ?numara=; the tracking code is a secret and never goes into an address.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from notifier.domain.encoding import analyse
from notifier.domain.gsm_alphabet import GSM7_BASIC, GSM7_TURKISH_SINGLE_SHIFT

SETTING = "ACIKKAPI_NOTIFIER_TRACKING_URL"
# The longest written address that every SMS naming the page holds within its segment budget, whatever
# the institution's name (templates.BUDGETS, tested with the longest names; 42 fit the tightest today, a
# refused withdrawal with the widest number): "www.kars.gov.tr/acik-kapi/takip" is 31, an https address
# on the longest province's name ("acikkapi.afyonkarahisar.gov.tr/takip") 36.
MAX_SEPTETS = 40
NUMBER_PARAMETER = "numara"

_SENDABLE = (GSM7_BASIC | GSM7_TURKISH_SINGLE_SHIFT) - frozenset(" \n\r\f")
# What a phone links without a scheme: a domain name ending in a top-level domain of letters.
_DOMAIN_NAME = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}")


class TrackingAddressInvalid(ValueError):
    """The configured address cannot be written in an SMS."""


@dataclass(frozen=True)
class TrackingAddress:
    """The tracking page's address as written in an SMS (see the module's docstring)."""

    written: str

    @classmethod
    def parse(cls, url: str) -> TrackingAddress:
        """Returns the address of an http or https URL without user, query or fragment, whose written
        form is GSM-7 (with the Turkish shift) of at most MAX_SEPTETS septets; TrackingAddressInvalid
        saying why otherwise."""
        if any(char.isspace() for char in url):
            raise TrackingAddressInvalid(f"{SETTING} must hold no blank or line break, got {url!r}")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise TrackingAddressInvalid(
                f"{SETTING} must be an http:// or https:// address with a host, got {url!r}"
            )
        try:
            parts.port  # noqa: B018 - read for its check: urlsplit raises on a port it cannot read
        except ValueError:
            raise TrackingAddressInvalid(f"{SETTING} has an unreadable port: {url!r}") from None
        if parts.username is not None or parts.query or parts.fragment:
            raise TrackingAddressInvalid(
                f"{SETTING} must name the page only, with no user, query or fragment "
                f"(the SMS add ?{NUMBER_PARAMETER}= themselves), got {url!r}"
            )
        short = parts.scheme == "https" and _DOMAIN_NAME.fullmatch(parts.hostname) is not None
        written = f"{'' if short else parts.scheme + '://'}{parts.netloc}{parts.path}"
        unsendable = sorted({char for char in written if char not in _SENDABLE})
        if unsendable:
            raise TrackingAddressInvalid(
                f"{SETTING} must be GSM-7 characters only (an SMS would turn UCS-2), "
                f"got {''.join(unsendable)!r} in {url!r}"
            )
        septets = analyse(written).units
        if septets > MAX_SEPTETS:
            raise TrackingAddressInvalid(
                f"{SETTING} is written {written!r} in an SMS, {septets} septets: at most "
                f"{MAX_SEPTETS} fit every SMS's segment budget"
            )
        return cls(written)

    def link(self, number: str | None = None) -> str:
        """Returns the address as written, with the application number pre-filled when given."""
        if number is None:
            return self.written
        slash = "" if "/" in self.written.split("://", 1)[-1] else "/"  # a path, or the root's
        return f"{self.written}{slash}?{NUMBER_PARAMETER}={quote(number, safe='')}"
