"""Every command group reaches its implementation through the lazy handlers of its declaration module."""

from __future__ import annotations

from pathlib import Path

import pytest

from acikkapi_cli.main import build_parser, main
from acikkapi_cli.services import runtime_of
from acikkapi_shared.events.topics import SERVICES
from acikkapi_shared.ports import SERVICE_PORTS


def test_replay_offers_exactly_the_services_with_a_composition_root(tmp_path: Path) -> None:
    # The declaration names the services from the light port table; each has a root with read models.
    assert sorted(SERVICE_PORTS) == sorted(SERVICES)
    assert all(runtime_of(service, tmp_path).parts.projector.name for service in SERVICES)
    replay = build_parser().parse_args(["replay", "projections", "sla-monitor"])
    assert replay.service == "sla-monitor"


def test_replay_runs_its_implementation(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replay", "projections", "router", "--data-dir", str(tmp_path)]) == 0
    assert capsys.readouterr().out.startswith("router: 0 events replayed")


def test_audit_runs_its_implementation(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    submission_id = "0b9d3c1e-6a52-4f7e-9a51-2f0c8e7d4b10"
    assert main(["audit", "case", submission_id, "--data-dir", str(tmp_path)]) == 1
    assert f"no events found for {submission_id}" in capsys.readouterr().err


def test_dev_status_prints_the_ports_of_the_table_and_the_environment(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ACIKKAPI_ROUTER_PORT", "18002")
    monkeypatch.delenv("ACIKKAPI_INTAKE_PORT", raising=False)
    assert main(["dev", "status"]) == 0
    out = capsys.readouterr().out
    assert f"http://127.0.0.1:{SERVICE_PORTS['intake']}" in out
    assert "http://127.0.0.1:18002" in out
