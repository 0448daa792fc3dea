"""Where a service finds the keys of staff tokens and whom it trusts (ACIKKAPI_STAFF_*)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import timedelta
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from acikkapi_shared.clock import Clock
from acikkapi_shared.staff.keys import FileKeySet, KeySet, UrlKeySet
from acikkapi_shared.staff.local import AUDIENCE, DEFAULT_STAFF_DIR, JWKS_FILE, LOCAL_ISSUER
from acikkapi_shared.staff.tokens import TokenValidator


class StaffSettings(BaseSettings):
    """The token issuer the services trust.

    Locally: the JWKS file the local issuer writes (`acikkapi staff keys`). In production: the
    identity provider's JWKS URL, its issuer (`iss`) and the audience (`aud`) it issues tokens for.
    """

    model_config = SettingsConfigDict(env_prefix="ACIKKAPI_STAFF_", extra="ignore")

    jwks_file: Path = DEFAULT_STAFF_DIR / JWKS_FILE
    jwks_url: str | None = None  # when set, jwks_file is not read
    issuer: str = LOCAL_ISSUER
    audience: str = AUDIENCE
    leeway_seconds: float = 30.0  # clock skew tolerated between the issuer and the services


def key_set_of(settings: StaffSettings, *, clock: Clock | None = None) -> KeySet:
    """Returns the key set the settings name: the provider's URL, or else the local file."""
    if settings.jwks_url:
        return UrlKeySet(settings.jwks_url, clock=clock)
    return FileKeySet(settings.jwks_file)


def build_validator(
    settings: StaffSettings | None = None,
    *,
    clock: Clock | None = None,
    institutions: Collection[str] | None = None,
) -> TokenValidator:
    """Returns the token validator of a service's composition root."""
    settings = settings or StaffSettings()
    return TokenValidator(
        key_set_of(settings, clock=clock),
        issuer=settings.issuer,
        audience=settings.audience,
        leeway=timedelta(seconds=settings.leeway_seconds),
        clock=clock,
        institutions=institutions,
    )
