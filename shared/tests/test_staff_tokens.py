"""Staff tokens: what the validator accepts and the reason code of every refusal.

Tokens are signed by the local issuer in a tmp folder, or crafted with keys made here; the validator's
clock is a manual one, so expiry is tested without the wall clock.
"""

from __future__ import annotations

import base64
import json
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from acikkapi_shared.clock import ManualClock
from acikkapi_shared.reference import kars
from acikkapi_shared.staff.identity import Role, StaffIdentity
from acikkapi_shared.staff.keys import FileKeySet, StaticKeySet
from acikkapi_shared.staff.local import LocalIssuer, StaffUser, public_jwk
from acikkapi_shared.staff.settings import StaffSettings, build_validator
from acikkapi_shared.staff.tokens import AuthFailure, TokenValidator, Unauthenticated

NOW = datetime(2026, 5, 22, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def issuer(tmp_path: Path, clock: ManualClock) -> LocalIssuer:
    local = LocalIssuer(tmp_path / "staff", clock=clock)
    local.add_user(StaffUser("ayse", "Ayşe Yılmaz", (Role.OFFICE_OFFICER,)))
    local.add_user(StaffUser("mehmet", "Mehmet Çelik", (Role.INSTITUTION_OFFICER,), "IL_OZEL_IDARE"))
    return local


@pytest.fixture
def validator(issuer: LocalIssuer, clock: ManualClock) -> TokenValidator:
    return TokenValidator(
        FileKeySet(issuer.jwks_path),
        issuer="acikkapi-local",
        audience="acikkapi",
        clock=clock,
        institutions=kars().institutions,
    )


def claims(**changes: Any) -> dict[str, Any]:
    now = int(NOW.timestamp())
    base: dict[str, Any] = {
        "iss": "acikkapi-local",
        "aud": "acikkapi",
        "sub": "ayse",
        "iat": now,
        "exp": now + 3600,
        "roles": ["office_officer"],
    }
    base.update(changes)
    return {name: value for name, value in base.items() if value is not None}


async def reason_of(validator: TokenValidator, token: str | None) -> AuthFailure:
    with pytest.raises(Unauthenticated) as refused:
        await validator.identity(token)
    return refused.value.reason


async def test_a_token_of_the_local_issuer_gives_the_users_identity(
    issuer: LocalIssuer, validator: TokenValidator
) -> None:
    assert await validator.identity(issuer.issue_token("ayse")) == StaffIdentity(
        "ayse", frozenset({Role.OFFICE_OFFICER})
    )
    officer = await validator.identity(issuer.issue_token("mehmet"))
    assert officer.institution == "IL_OZEL_IDARE"


async def test_expiry_follows_the_injected_clock_with_the_leeway(
    issuer: LocalIssuer, validator: TokenValidator, clock: ManualClock
) -> None:
    token = issuer.issue_token("ayse", hours=1)
    clock.advance(timedelta(minutes=59))
    await validator.identity(token)
    clock.advance(timedelta(minutes=1))
    assert await reason_of(validator, token) is AuthFailure.EXPIRED
    validator.leeway = timedelta(seconds=30)
    await validator.identity(token)
    clock.advance(timedelta(seconds=30))
    assert await reason_of(validator, token) is AuthFailure.EXPIRED


async def test_a_token_issued_in_the_future_or_not_before_a_later_moment_is_not_yet_valid(
    issuer: LocalIssuer, validator: TokenValidator
) -> None:
    later = int((NOW + timedelta(minutes=5)).timestamp())
    assert await reason_of(validator, issuer.sign(claims(iat=later))) is AuthFailure.NOT_YET_VALID
    assert await reason_of(validator, issuer.sign(claims(nbf=later))) is AuthFailure.NOT_YET_VALID
    validator.leeway = timedelta(minutes=5)
    await validator.identity(issuer.sign(claims(iat=later)))


async def test_a_missing_or_unparseable_token_is_refused(validator: TokenValidator) -> None:
    assert await reason_of(validator, None) is AuthFailure.MISSING
    assert await reason_of(validator, "") is AuthFailure.MISSING
    assert await reason_of(validator, "not-a-token") is AuthFailure.MALFORMED
    assert await reason_of(validator, "a.b.c") is AuthFailure.MALFORMED


async def test_a_key_not_in_the_set_is_an_unknown_key(validator: TokenValidator, issuer: LocalIssuer) -> None:
    issuer.ensure_keys()
    stranger = Ed25519PrivateKey.generate()
    token = jwt.encode(claims(), stranger, algorithm="EdDSA", headers={"kid": public_jwk(stranger)["kid"]})
    assert await reason_of(validator, token) is AuthFailure.UNKNOWN_KEY
    no_kid = jwt.encode(claims(), stranger, algorithm="EdDSA")
    assert await reason_of(validator, no_kid) is AuthFailure.UNKNOWN_KEY


async def test_another_key_under_the_known_kid_is_a_bad_signature(
    validator: TokenValidator, issuer: LocalIssuer
) -> None:
    kid = issuer.ensure_keys()
    token = jwt.encode(claims(), Ed25519PrivateKey.generate(), algorithm="EdDSA", headers={"kid": kid})
    assert await reason_of(validator, token) is AuthFailure.BAD_SIGNATURE


async def test_symmetric_and_unsigned_tokens_are_refused(
    validator: TokenValidator, issuer: LocalIssuer
) -> None:
    kid = issuer.ensure_keys()
    # HS256 keyed with the public key: the classic algorithm confusion.
    public_x = issuer.jwks()["keys"][0]["x"]
    hs256 = jwt.encode(claims(), public_x, algorithm="HS256", headers={"kid": kid})
    assert await reason_of(validator, hs256) is AuthFailure.BAD_SIGNATURE
    unsigned = jwt.encode(claims(), "", algorithm="none", headers={"kid": kid})
    assert await reason_of(validator, unsigned) is AuthFailure.BAD_SIGNATURE


async def test_a_symmetric_key_in_the_set_is_never_used(clock: ManualClock) -> None:
    secret = b"k" * 32
    oct_key = {"kty": "oct", "k": base64.urlsafe_b64encode(secret).rstrip(b"=").decode(), "kid": "s"}
    validator = TokenValidator(
        StaticKeySet({"keys": [oct_key]}), issuer="acikkapi-local", audience="acikkapi", clock=clock
    )
    token = jwt.encode(claims(), secret, algorithm="HS256", headers={"kid": "s"})
    assert await reason_of(validator, token) is AuthFailure.BAD_SIGNATURE


async def test_a_tampered_payload_breaks_the_signature(
    validator: TokenValidator, issuer: LocalIssuer
) -> None:
    header, _, signature = issuer.issue_token("mehmet").split(".")
    forged = claims(sub="mehmet", roles=["supervisor"])
    payload = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
    assert await reason_of(validator, f"{header}.{payload}.{signature}") is AuthFailure.BAD_SIGNATURE


async def test_issuer_and_audience_must_be_the_trusted_ones(
    validator: TokenValidator, issuer: LocalIssuer
) -> None:
    assert await reason_of(validator, issuer.sign(claims(iss="someone-else"))) is AuthFailure.WRONG_ISSUER
    assert await reason_of(validator, issuer.sign(claims(aud="another-app"))) is AuthFailure.WRONG_AUDIENCE


@pytest.mark.parametrize("claim", ["exp", "iat", "sub", "iss", "aud"])
async def test_each_required_claim_must_be_present(
    validator: TokenValidator, issuer: LocalIssuer, claim: str
) -> None:
    assert await reason_of(validator, issuer.sign(claims(**{claim: None}))) is AuthFailure.BAD_CLAIMS


@pytest.mark.parametrize(
    "changes",
    [
        {"roles": None},
        {"roles": "office_officer"},
        {"roles": ["offline_access"]},
        {"roles": ["institution_officer"]},  # without an institution
        {"roles": ["institution_officer"], "institution": "NO_SUCH_INSTITUTION"},
        {"roles": ["office_officer"], "institution": "IL_OZEL_IDARE"},
        {"sub": 42},
        {"exp": "tomorrow"},
    ],
    ids=[
        "no roles",
        "roles not a list",
        "no known role",
        "officer without institution",
        "unknown institution",
        "office role with institution",
        "subject not a string",
        "exp not a number",
    ],
)
async def test_claims_that_make_no_identity_are_refused(
    validator: TokenValidator, issuer: LocalIssuer, changes: dict[str, Any]
) -> None:
    assert await reason_of(validator, issuer.sign(claims(**changes))) is AuthFailure.BAD_CLAIMS


async def test_roles_of_the_identity_provider_beside_ours_are_ignored(
    validator: TokenValidator, issuer: LocalIssuer
) -> None:
    token = issuer.sign(claims(roles=["offline_access", "supervisor"]))
    assert (await validator.identity(token)).roles == {Role.SUPERVISOR}


async def test_an_es256_key_of_another_provider_validates_too(clock: ManualClock) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    jwk = {**json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key())), "kid": "p1"}
    validator = TokenValidator(
        StaticKeySet({"keys": [jwk]}), issuer="acikkapi-local", audience="acikkapi", clock=clock
    )
    token = jwt.encode(claims(), key, algorithm="ES256", headers={"kid": "p1"})
    assert (await validator.identity(token)).subject == "ayse"


def test_the_local_issuer_keeps_its_private_key_to_itself(issuer: LocalIssuer) -> None:
    kid = issuer.ensure_keys()
    private = issuer.directory / "signing-key.pem"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert stat.S_IMODE(issuer.users_path.stat().st_mode) == 0o600
    (public,) = issuer.jwks()["keys"]
    assert public["kid"] == kid and public["kty"] == "OKP" and "d" not in public
    assert issuer.ensure_keys() == kid  # created once


async def test_the_settings_build_a_validator_of_the_local_file(
    issuer: LocalIssuer, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACIKKAPI_STAFF_JWKS_FILE", os.fspath(issuer.jwks_path))
    monkeypatch.setenv("ACIKKAPI_STAFF_AUDIENCE", "elsewhere")
    validator = build_validator(StaffSettings(), clock=clock)
    assert await reason_of(validator, issuer.issue_token("ayse")) is AuthFailure.WRONG_AUDIENCE
    monkeypatch.delenv("ACIKKAPI_STAFF_AUDIENCE")
    assert (await build_validator(StaffSettings(), clock=clock).identity(issuer.issue_token("ayse"))).subject
