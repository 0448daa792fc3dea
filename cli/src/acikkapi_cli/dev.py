"""`acikkapi dev run|up|down|status`: the local stack (see devstack).

The stack's module (httpx, aiokafka, settings) is imported only when a `dev` command runs: every
`acikkapi` invocation builds this parser.
"""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Adds the `dev` command group."""
    parser = subparsers.add_parser("dev", help="run the local stack")
    commands = parser.add_subparsers(dest="dev_command", required=True)
    for name, text in (
        ("run", "start everything in the foreground; Ctrl-C stops it all"),
        ("up", "start everything in the background; return when ready"),
        ("down", "stop everything started by up"),
        ("status", "print where everything listens"),
    ):
        command = commands.add_parser(name, help=text)
        command.set_defaults(handler=_handle)
        if name in ("run", "up"):
            _clock_options(command)


def _clock_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--clock-offset",
        type=_offset,
        default="",
        metavar="OFFSET",
        help="run every service this far ahead (+3d, -2h30m, P3DT4H); for demonstrations",
    )
    parser.add_argument(
        "--clock-rate",
        type=_rate,
        default=1.0,
        metavar="RATE",
        help="make time run RATE times faster (60: a real second is a minute); for demonstrations",
    )


def _offset(text: str) -> str:
    from acikkapi_shared.clock import parse_offset

    try:
        parse_offset(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from error
    return text


def _rate(text: str) -> float:
    try:
        rate = float(text)
    except ValueError:
        rate = 0.0
    if not rate > 0 or rate == float("inf"):
        raise argparse.ArgumentTypeError(f"the clock rate must be a positive number, got {text!r}")
    return rate


def _handle(args: argparse.Namespace) -> int:
    from acikkapi_cli.devstack import DevStack, repo_root
    from acikkapi_cli.foreground import run_foreground

    stack = DevStack(
        repo_root(),
        clock_offset=getattr(args, "clock_offset", ""),
        clock_rate=getattr(args, "clock_rate", 1.0),
    )
    if args.dev_command == "run":
        return run_foreground(stack)
    if args.dev_command == "up":
        stack.up()
        print("Açık Kapı is up:\n" + stack.describe())
    elif args.dev_command == "down":
        stack.down()
    else:
        print(stack.describe())
    return 0
