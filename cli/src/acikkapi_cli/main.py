"""The `acikkapi` console command: one entry point whose sub-commands each service contributes."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# Each module exposes `register(subparsers)`, adding its own command group; the parsed namespace
# carries `handler`, a callable(args) -> int exit code. Every invocation imports all of them to build
# the parser (and `--help`), so they declare arguments only: a handler imports its implementation when
# it runs, and a pure command (route explain, sla due, sms encode) never loads the databases' and
# Kafka's libraries (cli/tests/test_light_commands.py checks it).
COMMAND_MODULES = (
    "acikkapi_cli.event_logs",
    "acikkapi_cli.dev",
    "acikkapi_cli.staff",
    "router.cli",
    "sla_monitor.cli",
    "notifier.cli",
)


def build_parser() -> argparse.ArgumentParser:
    """Returns the parser with every available command group registered."""
    parser = argparse.ArgumentParser(prog="acikkapi", description="Açık Kapı tools")
    subparsers = parser.add_subparsers(dest="group", required=True)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as missing:
            if missing.name != name:
                raise
            continue
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the command line and returns its exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    code: int = args.handler(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
