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
        commands.add_parser(name, help=text).set_defaults(handler=_handle)


def _handle(args: argparse.Namespace) -> int:
    from acikkapi_cli.devstack import DevStack, repo_root
    from acikkapi_cli.foreground import run_foreground

    stack = DevStack(repo_root())
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
