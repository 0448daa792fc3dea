"""Service settings come from the mapping they are given, so a test or a CLI can build them apart."""

from __future__ import annotations

from pathlib import Path

import pytest

from acikkapi_shared.settings import load_settings


def test_settings_are_read_from_the_given_mapping_not_the_process_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ACIKKAPI_TOPIC_PREFIX", "from-process")
    monkeypatch.setenv("ACIKKAPI_INTAKE_PORT", "9999")
    settings = load_settings(
        "intake",
        8001,
        environ={
            "ACIKKAPI_TOPIC_PREFIX": "kars",
            "ACIKKAPI_CONSUMER_MAX_RECORDS": "250",
            "ACIKKAPI_DATA_DIR": "/srv/acikkapi",
            "ACIKKAPI_INTAKE_DATABASE_URL": "postgresql+asyncpg://db/intake",
        },
    )
    assert settings.topic_prefix == "kars"
    assert settings.consumer_max_records == 250
    assert settings.data_dir == Path("/srv/acikkapi")
    assert settings.http_port == 8001
    assert settings.database_url == "postgresql+asyncpg://db/intake"
    assert settings.instance_id is not None and settings.instance_id.startswith("intake-")


def test_an_empty_mapping_gives_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACIKKAPI_TOPIC_PREFIX", "from-process")
    settings = load_settings("router", 8002, environ={})
    assert settings.topic_prefix == "acikkapi"
    assert settings.resolved_database_url() == "sqlite+aiosqlite:///var/data/router.db"


def test_a_malformed_value_is_refused_with_its_name() -> None:
    with pytest.raises(ValueError, match="consumer_max_records"):
        load_settings("router", 8002, environ={"ACIKKAPI_CONSUMER_MAX_RECORDS": "many"})


def test_consumers_let_the_broker_gather_batches_unless_told_otherwise() -> None:
    defaults = load_settings("router", 8002, environ={})
    assert (defaults.consumer_fetch_min_bytes, defaults.consumer_fetch_max_wait_ms) == (65_536, 100)
    told = load_settings(
        "router",
        8002,
        environ={"ACIKKAPI_CONSUMER_FETCH_MIN_BYTES": "1", "ACIKKAPI_CONSUMER_FETCH_MAX_WAIT_MS": "0"},
    )
    assert (told.consumer_fetch_min_bytes, told.consumer_fetch_max_wait_ms) == (1, 0)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CONSUMER_FETCH_MIN_BYTES", "0"),
        ("CONSUMER_FETCH_MAX_WAIT_MS", "-1"),
        ("CONSUMER_FETCH_MAX_WAIT_MS", "60000"),
    ],
)
def test_a_fetch_setting_out_of_range_is_refused_with_its_name(name: str, value: str) -> None:
    with pytest.raises(ValueError, match=name.lower()):
        load_settings("router", 8002, environ={f"ACIKKAPI_{name}": value})
