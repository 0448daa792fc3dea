"""`acikkapi route explain`: route JSON lines read on stdin and explain each decision (declared in cli)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

from router.domain.classifier import Classifier
from router.domain.combined import Router
from router.domain.routing import (
    Routes,
    RoutingDecision,
    RoutingRequest,
    RoutingTable,
    RoutingTableError,
)

REQUEST_FIELDS = ("topic", "district", "type", "text")


def explain_command(args: argparse.Namespace) -> int:
    """Routes every stdin line and prints its decision; a bad line prints an error and the rest go on.
    Exit code 0 when every line was routed, 1 when any was refused, 2 when the table cannot be loaded."""
    try:
        router = _load_table(args.table)
    except (OSError, RoutingTableError) as error:
        print(f"cannot load the routing table: {error}", file=sys.stderr)
        return 2
    refused = 0
    try:
        for output, routed in explain_lines(router, sys.stdin, as_json=args.json, codes=router.table):
            _write(output, sys.stdout)
            refused += not routed
    except BrokenPipeError:
        # The reader stopped reading (`| head`): nothing more to say, and no traceback at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    if refused:
        print(f"{refused} line(s) could not be routed", file=sys.stderr)
    return 1 if refused else 0


def _load_table(path: Path | None) -> Router:
    table = (
        RoutingTable.load_default() if path is None else RoutingTable.from_yaml_text(path.read_text("utf-8"))
    )
    return Router(table, Classifier.load_default())


def _write(line: str, stream: TextIO) -> None:
    stream.write(line + "\n")
    stream.flush()


def explain_lines(
    table: Routes, lines: Iterable[str], *, as_json: bool, codes: RoutingTable | None = None
) -> Iterable[tuple[str, bool]]:
    """Yields one output line per non-blank input line, in order, and whether it was routed (False:
    the line is an error). codes: the table whose topic, type and district codes a line must use."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            request = parse_request(line, codes)
        except ValueError as error:
            problem = {"error": str(error), "line": number}
            yield (json.dumps(problem, ensure_ascii=False) if as_json else f"line {number}: {error}"), False
            continue
        decision = table.route(request)
        yield (_as_json(decision) if as_json else _as_text(decision)), True


def parse_request(line: str, codes: RoutingTable | None = None) -> RoutingRequest:
    """Returns the request of one JSON line; ValueError says what is wrong with it (with codes, also a
    topic, type or district that is neither a code nor a name of the reference data)."""
    try:
        document: Any = json.loads(line)
    except json.JSONDecodeError as error:
        raise ValueError(f"not valid JSON: {error.msg}") from error
    except RecursionError:
        raise ValueError("not valid JSON: nested too deeply") from None
    if not isinstance(document, dict):
        raise ValueError("expected a JSON object with topic, district, type and text")
    missing = [name for name in REQUEST_FIELDS if name not in document]
    if missing:
        raise ValueError(f"missing field(s): {', '.join(missing)}")
    wrong = [name for name in REQUEST_FIELDS if not isinstance(document[name], str)]
    if wrong:
        raise ValueError(f"field(s) must be strings: {', '.join(wrong)}")
    if codes is not None:
        _check_codes(document, codes)
    return RoutingRequest(
        topic=document["topic"],
        district=document["district"],
        type=document["type"],
        text=document["text"],
    )


def _check_codes(document: dict[str, Any], codes: RoutingTable) -> None:
    known = {"topic": codes.topic_code, "type": codes.type_code, "district": codes.district_code}
    unknown = [
        f"{name} {document[name]!r}" for name, code_of in known.items() if code_of(document[name]) is None
    ]
    if unknown:
        raise ValueError(f"not in the reference data: {', '.join(unknown)}")


def _as_json(decision: RoutingDecision) -> str:
    return json.dumps(
        {
            "institution": decision.institution,
            "rule": decision.rule,
            "confidence": decision.confidence,
            "matched": list(decision.matched),
            "table_version": decision.table_version,
            "model_version": decision.model_version,
            "decided_by": decision.decided_by,
            "rule_institution": decision.rule_institution,
            "rule_confidence": decision.rule_confidence,
            "suggestion": decision.suggestion,
            "model": [
                {"institution": code, "probability": probability} for code, probability in decision.model_top
            ],
        },
        ensure_ascii=False,
    )


def _as_text(decision: RoutingDecision) -> str:
    matched = ", ".join(decision.matched) or "-"
    return (
        f"{decision.institution}\trule={decision.rule}\tconfidence={decision.confidence:.3f}"
        f"\tmatched={matched}\ttable={decision.table_version}\tmodel={decision.model_version}"
        f"\tdecided_by={decision.decided_by}"
    )
