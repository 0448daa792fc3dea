"""Settings every service reads from the environment (ACIKKAPI_*), once, in its composition root."""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from pathlib import Path

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from acikkapi_shared.clock import Clock, configured_clock, parse_offset
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
    # How long a consumer lets the broker gather a batch: a fetch is answered once this many bytes
    # are there or after this wait, whichever is first. A batch of one costs several times what one
    # message of a batch of a hundred does (a transaction's fixed round trips and fsync); at steady
    # moderate rates, without waiting, every message came alone, and the consumers' CPU was taken from
    # the front door's answers (bench/README.md, "Open311 POST"). A backlog is answered at once.
    # The wait is paid at every stage an application passes: 250 ms put the p99 at 200/s end to end
    # behind the old commit's; 100 ms keeps most of the saving at a lower latency, and on a quiet host
    # cost the front door nothing measurable (bench/README.md, "End to end" and "Open311 POST").
    consumer_fetch_min_bytes: int = 65_536
    consumer_fetch_max_wait_ms: int = 100
    # The consumer's static group membership id: an instance restarted with the same id gets its
    # partitions back at once instead of after the dead member's session timeout. It must differ
    # between instances of one service: load_settings defaults it to <service>-<host>-<HTTP port>
    # (two instances on one host cannot share a port); an empty value turns static membership off.
    instance_id: str | None = None
    data_dir: Path = Path("var/data")
    http_host: str = "127.0.0.1"
    # Proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (comma-separated addresses, "*" for
    # any): none by default, so a client is its TCP peer and cannot name itself in a header (the
    # tracking page counts failed look-ups per client).
    trusted_proxies: str = ""
    log_level: str = "INFO"
    log_json: bool = True
    # A shifted or fast clock for demonstrations (clock.ShiftedClock): ACIKKAPI_CLOCK_OFFSET="+3d" or
    # "P3DT4H" puts every service ahead; ACIKKAPI_CLOCK_RATE=60 makes one real second a minute;
    # ACIKKAPI_CLOCK_EPOCH (ISO instant, set by `acikkapi dev up`) is the real moment both count from,
    # the same for every service of a stack so they agree. Unset: the wall clock.
    clock_offset: str = ""
    clock_rate: float = 1.0
    clock_epoch: str = ""
    # Each service's own: read from ACIKKAPI_<SERVICE>_PORT / _DATABASE_URL by load_settings.
    service: str = ""
    http_port: int = 0
    database_url: str | None = None

    @field_validator("clock_offset")
    @classmethod
    def _offset_is_readable(cls, value: str) -> str:
        parse_offset(value)
        return value

    @field_validator("consumer_fetch_min_bytes")
    @classmethod
    def _min_bytes_is_positive(cls, value: int) -> int:
        if value < 1:
            raise ValueError(f"the consumer's fetch minimum must be at least 1 byte, got {value}")
        return value

    @field_validator("consumer_fetch_max_wait_ms")
    @classmethod
    def _wait_is_bounded(cls, value: int) -> int:
        if not 0 <= value <= 10_000:
            raise ValueError(f"the consumer's fetch wait must be 0-10000 ms, got {value}")
        return value

    @field_validator("clock_rate")
    @classmethod
    def _rate_is_positive(cls, value: float) -> float:
        if not value > 0:
            raise ValueError(f"the clock rate must be a positive number, got {value}")
        return value

    def clock(self) -> Clock:
        """Returns the clock these settings describe: the wall clock unless shifted or faster."""
        return configured_clock(self.clock_offset, self.clock_rate, self.clock_epoch)

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
    """Returns a service's settings: the shared ACIKKAPI_* ones and its own ACIKKAPI_<SERVICE>_* ones."""
    prefix = f"ACIKKAPI_{service.upper().replace('-', '_')}_"
    # From environ only: every field is given (explicit values outrank the process environment that
    # the constructor would read), from environ or its default.
    shared = ServiceSettings(
        **{
            name: environ.get(f"ACIKKAPI_{name.upper()}", field.get_default(call_default_factory=True))
            for name, field in ServiceSettings.model_fields.items()
        }
    )
    port = environ.get(port_variable(service), default_port)
    instance_id = environ.get(f"{prefix}INSTANCE_ID", shared.instance_id)
    if instance_id is None:
        instance_id = f"{service}-{socket.gethostname()}-{port}"
    return ServiceSettings.model_validate(
        {
            **shared.model_dump(exclude={"service", "http_port", "database_url", "instance_id"}),
            "service": service,
            "http_port": port,
            "database_url": environ.get(f"{prefix}DATABASE_URL"),
            "instance_id": instance_id or None,
        }
    )
