"""`acikkapi dev up|run --clock-offset … --clock-rate …`: every service of the stack gets the same
shifted, fast clock through its environment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from acikkapi_cli.devstack import DevStack
from acikkapi_cli.main import build_parser
from acikkapi_shared.clock import ShiftedClock, SystemClock
from acikkapi_shared.settings import load_settings


@pytest.mark.parametrize("command", ["up", "run"])
def test_the_clock_options_reach_every_service_with_one_epoch(command: str, tmp_path: Path) -> None:
    args = build_parser().parse_args(["dev", command, "--clock-offset", "+3d", "--clock-rate", "60"])
    stack = DevStack(tmp_path, clock_offset=args.clock_offset, clock_rate=args.clock_rate)
    environment = stack.environment()
    assert environment["ACIKKAPI_CLOCK_OFFSET"] == "+3d"
    assert float(environment["ACIKKAPI_CLOCK_RATE"]) == 60
    epoch = datetime.fromisoformat(environment["ACIKKAPI_CLOCK_EPOCH"])
    clocks = [load_settings(name, 8000, environment).clock() for name in ("router", "sla-monitor")]
    assert all(isinstance(clock, ShiftedClock) for clock in clocks)
    real_since = datetime.now(UTC) - epoch
    for clock in clocks:
        assert abs(clock.now() - (epoch + timedelta(days=3) + real_since * 60)) < timedelta(seconds=30)
    assert "offset +3d, rate 60.0" in stack.describe()


def test_without_options_the_services_keep_the_wall_clock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("ACIKKAPI_CLOCK_OFFSET", "ACIKKAPI_CLOCK_RATE", "ACIKKAPI_CLOCK_EPOCH"):
        monkeypatch.delenv(name, raising=False)
    args = build_parser().parse_args(["dev", "up"])
    environment = DevStack(tmp_path, clock_offset=args.clock_offset, clock_rate=args.clock_rate).environment()
    assert "ACIKKAPI_CLOCK_RATE" not in environment
    assert isinstance(load_settings("router", 8000, environment).clock(), SystemClock)


@pytest.mark.parametrize(
    "option", [["--clock-offset", "three days"], ["--clock-rate", "0"], ["--clock-rate", "x"]]
)
def test_unreadable_clock_options_are_refused(option: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["dev", "up", *option])
    assert "clock" in capsys.readouterr().err
