"""Open311's settings (ACIKKAPI_INTAKE_OPEN311_*) and its routes, built once by intake's app."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from pydantic_settings import BaseSettings, SettingsConfigDict

from acikkapi_shared.reference import kars
from acikkapi_shared.runtime import ServiceRuntime
from intake.domain.tracking_code import TokenBytes
from intake.open311.batcher import RunBatcher
from intake.open311.keys import KEYS_FILE_NAME, ApiKeys
from intake.open311.post import Poster
from intake.open311.routes import open311_router


class Open311Settings(BaseSettings):
    """keys_file: the integrators' keys (default: in the data folder); base_url: the endpoint's URL that
    discovery announces (default: the one the request came to); jurisdiction: the accepted
    jurisdiction_id."""

    model_config = SettingsConfigDict(env_prefix="ACIKKAPI_INTAKE_OPEN311_", extra="ignore")

    keys_file: Path | None = None
    base_url: str = ""
    jurisdiction: str = "kars.gov.tr"


def open311_routes(runtime: ServiceRuntime, token_bytes: TokenBytes) -> APIRouter:
    """Returns the Open311 routes of this intake."""
    settings = Open311Settings()
    keys = ApiKeys(settings.keys_file or runtime.settings.data_dir / KEYS_FILE_NAME)
    reference = kars()
    batcher = RunBatcher(runtime.gateway, source="open311-request", channel="open311")
    poster = Poster(runtime, keys, reference, settings.jurisdiction, token_bytes, batcher)
    return open311_router(
        runtime, poster, reference=reference, base_url=settings.base_url, jurisdiction=settings.jurisdiction
    )
