"""`acikkapi sla due`: the due moment of a receipt instant, printed with the +03:00 offset."""

from __future__ import annotations

import argparse

import pytest

from acikkapi_cli.main import main
from sla_monitor.cli import _DEFAULT_BUDGET_HELP, register
from sla_monitor.domain.clock import DEFAULT_BUDGET_DAYS


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="acikkapi")
    register(parser.add_subparsers(dest="group", required=True))
    args = parser.parse_args(argv)
    code: int = args.handler(args)
    return code


@pytest.mark.parametrize(
    ("received", "expected"),
    [
        ("2026-03-17T10:00:00+03:00", "2026-03-27T23:59:59+03:00"),
        ("2026-03-16T22:30:00Z", "2026-03-27T23:59:59+03:00"),
        ("2026-05-22T09:00:00-04:00", "2026-06-05T23:59:59+03:00"),
        ("2026-12-28T08:15:00+03:00", "2027-01-07T23:59:59+03:00"),
    ],
)
def test_prints_the_due_moment(received: str, expected: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["sla", "due", "--received", received]) == 0
    assert capsys.readouterr().out == expected + "\n"


def test_days_closures_and_half_days_off(capsys: pytest.CaptureFixture[str]) -> None:
    received = "2026-03-17T10:00:00+03:00"
    assert run(["sla", "due", "--received", received, "--days", "5"]) == 0
    assert run(["sla", "due", "--received", received, "--closure", "2026-03-26",
                "--closure", "2026-03-27"]) == 0  # fmt: skip
    assert run(["sla", "due", "--received", received, "--half-days-off"]) == 0
    assert capsys.readouterr().out.split() == [
        "2026-03-25T23:59:59+03:00",
        "2026-03-31T23:59:59+03:00",
        "2026-03-30T23:59:59+03:00",
    ]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--received", "2026-03-17T10:00:00"], "has no UTC offset"),
        (["--received", "2026-03-17"], "has no UTC offset"),
        (["--received", "yesterday"], "not an ISO 8601 datetime"),
        (["--received", "2026-03-17T10:00Z", "--days", "0"], "days must be between"),
        (["--received", "2026-03-17T10:00Z", "--closure", "19.03.2026"], "not a YYYY-MM-DD"),
    ],
)
def test_rejects_bad_input_with_a_clear_error(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        run(["sla", "due", *argv])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_the_acikkapi_command_has_the_sla_group(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sla", "due", "--received", "2026-03-17T07:00:00Z"]) == 0
    assert capsys.readouterr().out == "2026-03-27T23:59:59+03:00\n"


def test_the_help_states_the_clocks_default_budget() -> None:
    # The help text is written out so that building the parser imports no calendar; it must not drift.
    assert _DEFAULT_BUDGET_HELP.endswith(f"(default {DEFAULT_BUDGET_DAYS})")
