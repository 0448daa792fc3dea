"""The `acikkapi route` command group, declared without loading the routing table's code.

Every `acikkapi` invocation builds the whole parser, so this module imports only argparse; the handler
imports the implementation (`router.explain`) when the command actually runs.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Adds the `route` command group to the acikkapi parser."""
    route = subparsers.add_parser("route", help="routing table tools")
    commands = route.add_subparsers(dest="route_command", required=True)
    explain = commands.add_parser(
        "explain",
        help="route JSON lines {topic, district, type, text} read on stdin and explain each",
    )
    explain.add_argument("--json", action="store_true", help="print one JSON line per input")
    explain.add_argument(
        "--table", type=Path, default=None, help="routing table YAML (default: the bundled one)"
    )
    explain.set_defaults(handler=_explain)


def _explain(args: argparse.Namespace) -> int:
    from router.explain import explain_command

    return explain_command(args)
