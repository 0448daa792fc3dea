"""The `audit` and `replay` command groups, which read the services' event logs.

Declared here, apart from their implementations (`audit`, `replay`), because every `acikkapi` invocation
builds the whole parser: those import SQLAlchemy and every service's projections, which a pure command
such as `acikkapi sla due` must not pay for. Each handler imports its implementation when it runs.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from acikkapi_shared.ports import SERVICE_PORTS


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Adds the `audit` and `replay` command groups."""
    audit = subparsers.add_parser("audit", help="read the services' event logs")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True)
    case = audit_commands.add_parser("case", help="every event of one application, from all services")
    case.add_argument("identifier", help="application number (2026-000123-N) or submission id (UUID)")
    case.add_argument("--json", action="store_true", help="print a JSON array")
    case.add_argument(
        "--unmasked",
        metavar="REASON",
        default=None,
        help="show personal data in full; the reason, who and when are appended to the access log (KVKK)",
    )
    _add_data_dir(case)
    case.set_defaults(handler=_audit_case)

    replay = subparsers.add_parser("replay", help="rebuild from the event logs")
    replay_commands = replay.add_subparsers(dest="replay_command", required=True)
    projections = replay_commands.add_parser("projections", help="rebuild a stopped service's read models")
    # Every service has projections, reached through its composition root (acikkapi_cli.services).
    projections.add_argument("service", choices=sorted(SERVICE_PORTS))
    _add_data_dir(projections)
    projections.set_defaults(handler=_replay_projections)


def _add_data_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="folder of the services' SQLite files (default: $ACIKKAPI_DATA_DIR or var/data)",
    )


def _audit_case(args: argparse.Namespace) -> int:
    from acikkapi_cli.audit import audit_case_command

    return audit_case_command(args)


def _replay_projections(args: argparse.Namespace) -> int:
    from acikkapi_cli.replay import replay_command

    return replay_command(args)
