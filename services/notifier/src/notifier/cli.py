"""The `acikkapi sms` command group: SMS tools of the notifier service.

Every `acikkapi` invocation builds the whole parser, so the encoder is imported only when a command runs.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

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
