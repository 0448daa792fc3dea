"""An identity provider's JWKS fetched over HTTP from a real local server: cached, fetched again on a
key it does not know (a rotation), at most once a minute however many unknown kids arrive."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from acikkapi_shared.clock import ManualClock
from acikkapi_shared.staff.keys import UrlKeySet
from acikkapi_shared.staff.local import public_jwk
from acikkapi_shared.staff.tokens import AuthFailure, TokenValidator, Unauthenticated

NOW = datetime(2026, 5, 22, 9, 0, tzinfo=UTC)


class Provider:
    """A JWKS endpoint whose keys the test changes; counts the requests it answers."""

    def __init__(self) -> None:
        self.keys: list[dict[str, str]] = []
        self.requests = 0
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                provider.requests += 1
                body = json.dumps({"keys": provider.keys}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = (
            f"http://127.0.0.1:{self.server.server_address[1]}/realms/kars/protocol/openid-connect/certs"
        )


@pytest.fixture
def provider() -> Iterator[Provider]:
    provider = Provider()
    thread = threading.Thread(target=provider.server.serve_forever, daemon=True)
    thread.start()
    yield provider
    provider.server.shutdown()
    provider.server.server_close()


def token(key: Ed25519PrivateKey, clock: ManualClock) -> str:
    now = int(clock.now().timestamp())
    claims = {
        "iss": "https://sso.kars.example/realms/kars",
        "aud": "acikkapi",
        "sub": "f3a1c2",
        "iat": now,
        "exp": now + 300,
        "roles": ["supervisor"],
    }
    return jwt.encode(claims, key, algorithm="EdDSA", headers={"kid": public_jwk(key)["kid"]})


async def test_a_rotated_key_is_fetched_once_and_unknown_kids_at_most_once_a_minute(
    provider: Provider,
) -> None:
    clock = ManualClock(NOW)
    keys = UrlKeySet(provider.url, clock=clock)
    validator = TokenValidator(
        keys, issuer="https://sso.kars.example/realms/kars", audience="acikkapi", clock=clock
    )
    old, new, stranger = (Ed25519PrivateKey.generate() for _ in range(3))
    provider.keys = [public_jwk(old)]

    assert (await validator.identity(token(old, clock))).subject == "f3a1c2"
    await validator.identity(token(old, clock))
    assert provider.requests == 1  # cached

    # The provider rotates: the new key is published beside the old one.
    provider.keys = [public_jwk(old), public_jwk(new)]
    clock.advance(timedelta(seconds=30))
    with pytest.raises(Unauthenticated) as too_soon:  # fetched 30 s ago: not fetched again yet
        await validator.identity(token(new, clock))
    assert too_soon.value.reason is AuthFailure.UNKNOWN_KEY
    assert provider.requests == 1
    clock.advance(timedelta(seconds=30))
    await validator.identity(token(new, clock))
    await validator.identity(token(new, clock))
    assert provider.requests == 2  # the new kid: one fetch

    for _ in range(5):  # made-up kids within the minute: no more requests to the provider
        with pytest.raises(Unauthenticated) as unknown:
            await validator.identity(token(stranger, clock))
        assert unknown.value.reason is AuthFailure.UNKNOWN_KEY
    assert provider.requests == 2 and keys.fetches == 2
    await validator.identity(token(old, clock))  # the keys already fetched still answer


async def test_a_provider_that_fails_keeps_the_keys_fetched_before(provider: Provider) -> None:
    clock = ManualClock(NOW)
    keys = UrlKeySet(provider.url, clock=clock)
    key = Ed25519PrivateKey.generate()
    provider.keys = [public_jwk(key)]
    assert await keys.key(public_jwk(key)["kid"]) is not None
    provider.server.shutdown()
    provider.server.server_close()
    clock.advance(timedelta(minutes=2))
    assert await keys.key("another") is None
    assert await keys.key(public_jwk(key)["kid"]) is not None
    assert keys.fetches == 2


def test_a_jwks_url_must_be_https_except_on_loopback() -> None:
    with pytest.raises(ValueError):
        UrlKeySet("http://sso.kars.example/certs")
    UrlKeySet("https://sso.kars.example/certs")
    UrlKeySet("http://127.0.0.1:8080/certs")
