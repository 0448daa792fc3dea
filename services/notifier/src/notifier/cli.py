"""The `acikkapi sms` command group: SMS tools of the notifier service.

Every `acikkapi` invocation builds the whole parser, so the encoder is imported only when a command runs.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from notifier.redrive import RedriveSelection

_UNIT_NAMES = {"GSM7": "septets", "GSM7_TR": "septets", "UCS2": "UTF-16 code units"}


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Adds the `sms` command group to the `acikkapi` parser."""
    sms = subparsers.add_parser("sms", help="SMS encoding and templates")
    commands = sms.add_subparsers(dest="sms_command", required=True)
    encode = commands.add_parser(
        "encode",
        help="read a text on stdin and print its SMS encoding and segment count",
    )
    encode.add_argument("--json", action="store_true", help="print one JSON object")
    encode.add_argument(
        "--transliterate",
        action="store_true",
        help="write â î û as a i u (keeps Turkish texts out of UCS-2)",
    )
    encode.set_defaults(handler=encode_command)
    redrive = commands.add_parser(
        "redrive",
        help="send failed SMS again (each in a new job), once per idempotency key",
        description="Puts SMS that failed for good back to be sent by the notifier's dispatcher. "
        "Writes to the notifier's database (ACIKKAPI_NOTIFIER_DATABASE_URL, or the SQLite file in "
        "--data-dir); a running notifier sends them within a second.",
    )
    redrive.add_argument("--id", dest="ids", action="append", help="an SmsRequested event id (repeatable)")
    redrive.add_argument(
        "--failed-since", help="every SMS failed at or after this ISO 8601 moment (with an offset)"
    )
    redrive.add_argument(
        "--idempotency-key",
        help="repeat a re-drive safely under this key (default: a new key, printed)",
    )
    redrive.add_argument("--data-dir", type=Path, default=None, help="folder of the SQLite files")
    redrive.add_argument("--json", action="store_true", help="print one JSON object")
    redrive.set_defaults(handler=redrive_command)


def encode_command(args: argparse.Namespace) -> int:
    """Prints the encoding of the text on stdin; returns the exit code."""
    from notifier.domain.encoding import LIMITS, analyse, prepare_text

    text = sys.stdin.read()
    # A trailing newline is how shells end input, not part of the message.
    text = text.removesuffix("\n")
    transliterate: bool = args.transliterate
    result = analyse(text, transliterate_circumflex=transliterate)
    prepared = prepare_text(text, transliterate_circumflex=transliterate)
    if args.json:
        payload = {
            "encoding": result.encoding,
            "segments": result.segments,
            "units": result.units,
            "characters": len(prepared),
            "single_segment_limit": LIMITS[result.encoding].single,
            "per_part_limit": LIMITS[result.encoding].per_part,
            "transliterated": transliterate,
        }
        print(json.dumps(payload, ensure_ascii=False))
    else:
        print(
            f"{result.encoding}: {result.segments} segment(s), "
            f"{result.units} {_UNIT_NAMES[result.encoding]}, {len(prepared)} characters"
        )
    return 0


def redrive_command(args: argparse.Namespace) -> int:
    """Re-drives the selected failed SMS; returns the exit code."""
    # Imported here: the `acikkapi` parser loads every group's module, and most commands never
    # touch a database.
    import asyncio
    import uuid
    from datetime import datetime

    from notifier.redrive import RedriveSelection

    since = None
    if args.failed_since:
        since = datetime.fromisoformat(args.failed_since)
        if since.tzinfo is None:
            print("--failed-since needs an offset, e.g. 2026-05-22T14:00:00+03:00", file=sys.stderr)
            return 2
    try:
        selection = RedriveSelection(
            request_event_ids=None if not args.ids else tuple(args.ids), failed_since=since
        )
    except ValueError:
        print("give --id or --failed-since", file=sys.stderr)
        return 2
    key: str = args.idempotency_key or f"cli:{uuid.uuid4()}"
    redriven, replayed = asyncio.run(_redrive(selection, key, args.data_dir))
    if args.json:
        print(json.dumps({"idempotency_key": key, "redriven": redriven, "replayed": replayed}))
    else:
        again = " (already done under this key: nothing more)" if replayed else ""
        print(f"{len(redriven)} SMS re-driven under idempotency key {key}{again}")
    return 0


async def _redrive(selection: RedriveSelection, key: str, data_dir: Path | None) -> tuple[list[str], bool]:
    from acikkapi_shared.eventstore.database import migrate
    from acikkapi_shared.eventstore.replay import ensure_read_models
    from acikkapi_shared.settings import load_settings
    from notifier.app import build_runtime
    from notifier.redrive import redrive, redriven_ids

    settings = load_settings("notifier", 8004)
    if data_dir is not None:
        settings = settings.model_copy(update={"data_dir": data_dir})
    runtime = build_runtime(settings, dispatch=False)
    try:
        await migrate(runtime.engine)
        await ensure_read_models(runtime.engine, runtime.store, runtime.parts.projector, runtime.clock)
        outcome = await redrive(runtime.gateway, selection, idempotency_key=key, actor="cli:operator")
        return list(redriven_ids(outcome)), outcome.replayed
    finally:
        await runtime.engine.dispose()
        await runtime.read_engine.dispose()
