"""The tracking page's settings (ACIKKAPI_INTAKE_TRACKING_*), read once at start."""

from __future__ import annotations

import secrets
from datetime import timedelta

from pydantic_settings import BaseSettings, SettingsConfigDict

from intake.tracking_page.forms import FormSigner
from intake.tracking_page.limiter import FailureLimiter, LimitRule


class TrackingSettings(BaseSettings):
    """Failure limits of look-ups with a tracking code, and the page forms' secret and lifetime."""

    model_config = SettingsConfigDict(env_prefix="ACIKKAPI_INTAKE_TRACKING_", extra="ignore")

    failures_per_client: int = 20
    failures_per_number: int = 10
    failure_window_minutes: int = 15
    # Signs the page's forms. Empty: a random secret per process (forms rendered by one instance are
    # refused by another, or after a restart); set the same value on every instance behind one address.
    form_secret: str = ""
    form_lifetime_minutes: int = 60

    def limiter(self) -> FailureLimiter:
        window = timedelta(minutes=self.failure_window_minutes)
        return FailureLimiter(
            LimitRule(self.failures_per_client, window), LimitRule(self.failures_per_number, window)
        )

    def signer(self) -> FormSigner:
        secret = self.form_secret.encode() if self.form_secret else secrets.token_bytes(32)
        return FormSigner(secret, timedelta(minutes=self.form_lifetime_minutes))
