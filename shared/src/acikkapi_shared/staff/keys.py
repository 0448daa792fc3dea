"""Key sets the token validator picks its public keys from, by `kid`.

StaticKeySet holds a JWKS given in code (tests), FileKeySet reads a local JWKS file (the local issuer's,
acikkapi_shared.staff.local), UrlKeySet fetches an identity provider's published JWKS over HTTPS and
fetches it again, at most once a minute, when a token names a key it does not have (a key rotation).
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx
import jwt
import structlog

from acikkapi_shared.clock import Clock, SystemClock

log = structlog.get_logger(__name__)

_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


class KeySet(Protocol):
    """Where the public keys that sign staff tokens are found."""

    async def key(self, kid: str) -> jwt.PyJWK | None:
        """Returns the signing key with this id, or None when the set has none."""
        ...


def parse_jwks(document: Any) -> dict[str, jwt.PyJWK]:
    """Returns the signature keys of a JWKS document by kid; keys without a kid, for encryption or of
    a type PyJWT cannot use are left out (an empty mapping when none is usable)."""
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        return {}
    try:
        keys = jwt.PyJWKSet.from_dict(document).keys
    except jwt.PyJWTError:
        return {}
    return {key.key_id: key for key in keys if key.key_id and key.public_key_use in (None, "sig")}


class StaticKeySet:
    """A JWKS fixed at construction."""

    def __init__(self, document: dict[str, Any]) -> None:
        self._keys = parse_jwks(document)

    async def key(self, kid: str) -> jwt.PyJWK | None:
        """Returns the key with this id, or None."""
        return self._keys.get(kid)


class FileKeySet:
    """A JWKS file, read again whenever it changes (a key created or rotated after the start)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp: tuple[int, int] | None = None
        self._keys: dict[str, jwt.PyJWK] = {}

    async def key(self, kid: str) -> jwt.PyJWK | None:
        """Returns the key with this id from the file as it is now, or None (also when it is missing)."""
        try:
            status = self.path.stat()
        except FileNotFoundError:
            return None
        stamp = (status.st_mtime_ns, status.st_size)
        if stamp != self._stamp:
            try:
                self._keys = parse_jwks(json.loads(self.path.read_text("utf-8")))
            except (OSError, ValueError):
                self._keys = {}
            self._stamp = stamp
        return self._keys.get(kid)


class UrlKeySet:
    """An identity provider's JWKS endpoint (`jwks_uri` of its OpenID configuration), cached.

    A token naming an unknown kid makes it fetch the set again, at most once per min_refresh, so a
    flood of tokens with made-up kids costs the provider one request a minute. A failed fetch keeps
    the keys it had; tokens signed with a key it never got are then refused (unknown_key).
    """

    def __init__(
        self,
        url: str,
        *,
        client: httpx.AsyncClient | None = None,
        clock: Clock | None = None,
        min_refresh: timedelta = timedelta(minutes=1),
        timeout_seconds: float = 5.0,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in _LOOPBACK):
            raise ValueError("a JWKS URL must be https:// (plain http only on the loopback interface)")
        self.url = url
        self.client = client or httpx.AsyncClient(timeout=timeout_seconds)
        self.clock = clock or SystemClock()
        self.min_refresh = min_refresh
        self.fetches = 0
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at: datetime | None = None
        self._lock = asyncio.Lock()

    async def key(self, kid: str) -> jwt.PyJWK | None:
        """Returns the key with this id, fetching the set first when it is unknown and may be fetched."""
        found = self._keys.get(kid)
        if found is not None:
            return found
        async with self._lock:  # concurrent requests with the new kid: one fetch
            found = self._keys.get(kid)
            if found is None and self._may_fetch():
                await self._fetch()
                found = self._keys.get(kid)
        return found

    def _may_fetch(self) -> bool:
        return self._fetched_at is None or self.clock.now() - self._fetched_at >= self.min_refresh

    async def _fetch(self) -> None:
        self._fetched_at = self.clock.now()
        self.fetches += 1
        try:
            response = await self.client.get(self.url, headers={"Accept": "application/json"})
            response.raise_for_status()
            keys = parse_jwks(response.json())
        except (httpx.HTTPError, ValueError) as error:
            log.warning("staff_jwks_fetch_failed", url=self.url, error=type(error).__name__)
            return
        if not keys:
            log.warning("staff_jwks_without_usable_keys", url=self.url)
            return
        self._keys = keys
        log.info("staff_jwks_fetched", url=self.url, keys=len(keys))
