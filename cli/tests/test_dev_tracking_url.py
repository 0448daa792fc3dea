"""`acikkapi dev up|run`: the notifier's SMS give the local tracking page's address."""

from __future__ import annotations

from pathlib import Path

import pytest

from acikkapi_cli.devstack import DevStack
from notifier.domain.tracking_address import TrackingAddress


def test_the_sms_name_the_local_intakes_tracking_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ACIKKAPI_NOTIFIER_TRACKING_URL", raising=False)
    monkeypatch.setenv("ACIKKAPI_INTAKE_PORT", "18001")
    stack = DevStack(tmp_path)
    url = stack.environment()["ACIKKAPI_NOTIFIER_TRACKING_URL"]
    assert url == "http://127.0.0.1:18001/takip"
    assert (
        TrackingAddress.parse(url).link("2026-000001-N")
        == "http://127.0.0.1:18001/takip?numara=2026-000001-N"
    )
    assert "tracking page http://127.0.0.1:18001/takip" in stack.describe()


def test_an_address_configured_outside_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACIKKAPI_NOTIFIER_TRACKING_URL", "https://acikkapi.kars.gov.tr/takip")
    environment = DevStack(tmp_path).environment()
    assert environment["ACIKKAPI_NOTIFIER_TRACKING_URL"] == "https://acikkapi.kars.gov.tr/takip"
