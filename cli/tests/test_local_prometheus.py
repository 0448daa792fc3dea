"""The local stack's Prometheus configuration: one target per service with its `service` label, the
project's rules rendered (every `for:` shortened when asked), and promtool accepts the whole."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from acikkapi_cli.prometheus import LocalPrometheus
from acikkapi_shared.testing import repo_root
from acikkapi_shared.testing.prometheus import promtool


def test_the_rendered_configuration_scrapes_every_service_and_passes_promtool(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACIKKAPI_PROMETHEUS_INTERVAL", "2s")
    monkeypatch.setenv("ACIKKAPI_PROMETHEUS_ALERT_FOR", "4s")
    local = LocalPrometheus(repo_root(), tmp_path, {"intake": 18001, "router": 18002})
    path = local.write_configuration()
    config = yaml.safe_load(path.read_text())
    assert config["global"] == {"scrape_interval": "2s", "evaluation_interval": "2s"}
    (job,) = config["scrape_configs"]
    assert job["job_name"] == "acikkapi"
    assert [(c["targets"], c["labels"]) for c in job["static_configs"]] == [
        (["127.0.0.1:18001"], {"service": "intake"}),
        (["127.0.0.1:18002"], {"service": "router"}),
    ]
    (rules,) = config["rule_files"]
    fors = {r["for"] for g in yaml.safe_load(Path(rules).read_text())["groups"] for r in g["rules"]}
    assert fors == {"4s"}
    done = promtool("check", "config", str(path))
    assert done.returncode == 0, done.stdout + done.stderr


def test_without_an_override_the_rules_are_copied_as_written(tmp_path: Path) -> None:
    local = LocalPrometheus(repo_root(), tmp_path, {"intake": 18001})
    local.alert_for = ""
    (rules,) = yaml.safe_load(local.write_configuration().read_text())["rule_files"]
    source = repo_root() / "deploy" / "prometheus" / "rules" / Path(rules).name
    assert Path(rules).read_text() == source.read_text()


def test_off_means_no_prometheus_even_when_installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACIKKAPI_PROMETHEUS", "off")
    assert not LocalPrometheus(repo_root(), tmp_path, {}).enabled()
