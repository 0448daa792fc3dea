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

    learn = commands.add_parser(
        "learn",
        help="turn the office's hand routings into examples and show what retraining on them would do",
    )
    learn.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="folder of the services' SQLite files (default: $ACIKKAPI_DATA_DIR or var/data)",
    )
    learn.add_argument(
        "--examples",
        type=Path,
        default=None,
        help="the file to write the examples to (default: DATA_DIR/route-learn/examples.jsonl)",
    )
    # A proposed table is only shown (reviewed like code): --write never writes what --table showed.
    either = learn.add_mutually_exclusive_group()
    either.add_argument(
        "--table", type=Path, default=None, help="a proposed routing table YAML to compare too"
    )
    either.add_argument(
        "--write", action="store_true", help="add the examples to the training data and rewrite the model"
    )
    learn.set_defaults(handler=_learn)


def _explain(args: argparse.Namespace) -> int:
    from router.explain import explain_command

    return explain_command(args)


def _learn(args: argparse.Namespace) -> int:
    from router.learn_command import learn_command

    return learn_command(args)
