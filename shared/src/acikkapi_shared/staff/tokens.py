"""Bearer tokens: signed JWTs validated against a JSON Web Key Set, mapped to a StaffIdentity.

Only asymmetric signatures are accepted (EdDSA, ES256, RS256): the services hold public keys only, so
none of them can mint a token. The key is picked by the token's `kid`. The times (`exp`, `iat`, `nbf`)
are checked against the injected clock rather than by PyJWT, which would read the wall clock. Every
failure is an Unauthenticated with a stable reason code; the token and its claims never reach a log.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import timedelta
from enum import StrEnum
from typing import Any

import jwt

from acikkapi_shared.clock import Clock, SystemClock
from acikkapi_shared.staff.identity import InvalidIdentity, Role, StaffIdentity
from acikkapi_shared.staff.keys import KeySet

ALGORITHMS = ("EdDSA", "ES256", "RS256")
REQUIRED_CLAIMS = ("exp", "iat", "sub", "iss", "aud")

SIGN_IN_TR = "Oturum açmanız gerekiyor."
EXPIRED_TR = "Oturumunuzun süresi doldu; lütfen yeniden oturum açın."
INVALID_TR = "Oturum bilginiz geçersiz; lütfen yeniden oturum açın."


class AuthFailure(StrEnum):
    """Why a request carries no valid identity (HTTP 401); stable, for clients and logs."""

    MISSING = "missing"
    MALFORMED = "malformed"
    BAD_SIGNATURE = "bad_signature"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    WRONG_AUDIENCE = "wrong_audience"
    WRONG_ISSUER = "wrong_issuer"
    UNKNOWN_KEY = "unknown_key"
    BAD_CLAIMS = "bad_claims"


class Unauthenticated(Exception):
    """No valid staff identity; `reason` is stable, `message_tr` is for the user."""

    def __init__(self, reason: AuthFailure) -> None:
        super().__init__(reason.value)
        self.reason = reason
        if reason is AuthFailure.MISSING:
            self.message_tr = SIGN_IN_TR
        elif reason is AuthFailure.EXPIRED:
            self.message_tr = EXPIRED_TR
        else:
            self.message_tr = INVALID_TR


class TokenValidator:
    """Checks a bearer token's signature, issuer, audience, times and claims; returns its identity.

    institutions, when given, are the codes an institution officer's `institution` claim may name.
    """

    def __init__(
        self,
        keys: KeySet,
        *,
        issuer: str,
        audience: str,
        leeway: timedelta = timedelta(0),
        clock: Clock | None = None,
        institutions: Collection[str] | None = None,
    ) -> None:
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        self.leeway = leeway
        self.clock = clock or SystemClock()
        self.institutions = None if institutions is None else frozenset(institutions)

    async def identity(self, token: str | None) -> StaffIdentity:
        """Returns the identity the token proves; raises Unauthenticated with the reason otherwise."""
        if not token:
            raise Unauthenticated(AuthFailure.MISSING)
        claims = await self.claims(token)
        return self._identity_of(claims)

    async def claims(self, token: str) -> dict[str, Any]:
        """Returns the verified claims of a token (signature, issuer, audience, times)."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.DecodeError:
            raise Unauthenticated(AuthFailure.MALFORMED) from None
        if header.get("alg") not in ALGORITHMS:  # HS256 (a shared secret), none: never
            raise Unauthenticated(AuthFailure.BAD_SIGNATURE)
        kid = header.get("kid")
        key = await self.keys.key(kid) if isinstance(kid, str) and kid else None
        if key is None or key.algorithm_name not in ALGORITHMS:
            raise Unauthenticated(AuthFailure.UNKNOWN_KEY)
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[key.algorithm_name],
                audience=self.audience,
                issuer=self.issuer,
                options={
                    "require": list(REQUIRED_CLAIMS),
                    # Checked below against the injected clock.
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                },
            )
        except (jwt.InvalidSignatureError, jwt.InvalidAlgorithmError):
            raise Unauthenticated(AuthFailure.BAD_SIGNATURE) from None
        except jwt.InvalidAudienceError:
            raise Unauthenticated(AuthFailure.WRONG_AUDIENCE) from None
        except jwt.InvalidIssuerError:
            raise Unauthenticated(AuthFailure.WRONG_ISSUER) from None
        except jwt.MissingRequiredClaimError:
            raise Unauthenticated(AuthFailure.BAD_CLAIMS) from None
        except jwt.DecodeError:
            raise Unauthenticated(AuthFailure.MALFORMED) from None
        except jwt.InvalidTokenError:  # a subject or JWT id that is not a string
            raise Unauthenticated(AuthFailure.BAD_CLAIMS) from None
        self._check_times(claims)
        return claims

    def _check_times(self, claims: Mapping[str, Any]) -> None:
        now = self.clock.now().timestamp()
        leeway = self.leeway.total_seconds()
        expires, issued = _timestamp(claims["exp"]), _timestamp(claims["iat"])
        not_before = _timestamp(claims["nbf"]) if "nbf" in claims else issued
        if expires <= now - leeway:
            raise Unauthenticated(AuthFailure.EXPIRED)
        if issued > now + leeway or not_before > now + leeway:
            raise Unauthenticated(AuthFailure.NOT_YET_VALID)

    def _identity_of(self, claims: Mapping[str, Any]) -> StaffIdentity:
        raw_roles = claims.get("roles")
        institution = claims.get("institution")
        if not isinstance(raw_roles, list) or not all(isinstance(role, str) for role in raw_roles):
            raise Unauthenticated(AuthFailure.BAD_CLAIMS)
        if institution is not None and not isinstance(institution, str):
            raise Unauthenticated(AuthFailure.BAD_CLAIMS)
        # An identity provider's own roles (offline_access…) may stand beside ours: they are ignored.
        known = {role.value for role in Role}
        roles = frozenset(Role(role) for role in raw_roles if role in known)
        if institution is not None and self.institutions is not None and institution not in self.institutions:
            raise Unauthenticated(AuthFailure.BAD_CLAIMS)
        try:
            return StaffIdentity(subject=claims["sub"], roles=roles, institution=institution)
        except InvalidIdentity:
            raise Unauthenticated(AuthFailure.BAD_CLAIMS) from None


def _timestamp(value: Any) -> float:
    """Returns a NumericDate claim as seconds; Unauthenticated (bad_claims) when it is not a number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Unauthenticated(AuthFailure.BAD_CLAIMS)
    return float(value)
