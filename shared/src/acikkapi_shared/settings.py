"""Settings every service reads from the environment (ACIKKAPI_*), once, in its composition root."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from acikkapi_shared.events.topics import Topics
from acikkapi_shared.ports import KAFKA_PORT, port_variable


class ServiceSettings(BaseSettings):
    """Common settings; each service subclasses it with its own env prefix for port and database."""

    model_config = SettingsConfigDict(env_prefix="ACIKKAPI_", extra="ignore")

    kafka_bootstrap_servers: str = f"127.0.0.1:{KAFKA_PORT}"
    topic_prefix: str = "acikkapi"
    portal_topic: str = "portal.submissions.v1"
    topic_partitions: int = 4
    topic_replication_factor: int = 1
    create_topics: bool = True
    # Larger batches cost less per message, smaller ones wait less: the latency/throughput dial.
    consumer_max_records: int = 100
    data_dir: Path = Path("var/data")
    http_host: str = "127.0.0.1"
    log_level: str = "INFO"
    log_json: bool = True
    # Each service's own: read from ACIKKAPI_<SERVICE>_PORT / _DATABASE_URL by load_settings.
    service: str = ""
    http_port: int = 0
    database_url: str | None = None

    @property
    def topics(self) -> Topics:
        """Returns the topic names of this installation."""
        return Topics(prefix=self.topic_prefix, portal_submissions=self.portal_topic)

    def sqlite_url(self, service: str) -> str:
        """Returns the default embedded database of a service: one SQLite file per service."""
        return f"sqlite+aiosqlite:///{self.data_dir / service}.db"

    def resolved_database_url(self) -> str:
        """Returns the configured database, or the service's embedded SQLite file."""
        return self.database_url or self.sqlite_url(self.service)


def load_settings(
    service: str, default_port: int, environ: Mapping[str, str] = os.environ
) -> ServiceSettings:
    """Returns a service's settings: ACIKKAPI_* shared ones, ACIKKAPI_<SERVICE>_PORT/_DATABASE_URL."""
    prefix = f"ACIKKAPI_{service.upper().replace('-', '_')}_"
    return ServiceSettings.model_validate(
        {
            **ServiceSettings().model_dump(exclude={"service", "http_port", "database_url"}),
            "service": service,
            "http_port": environ.get(port_variable(service), default_port),
            "database_url": environ.get(f"{prefix}DATABASE_URL"),
        }
    )
