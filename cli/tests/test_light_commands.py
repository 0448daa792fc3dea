"""The pure commands start without the stack's libraries: a check on what gets imported, not on time.

Each case runs `acikkapi` in a fresh interpreter, as a user would, and then lists which modules the
process holds: an import of SQLAlchemy, Kafka, the web framework or the settings' pydantic (seconds
of start-up between them) by the parser or by a pure command's handler fails here, whatever the speed
of the machine running the test.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

# Infrastructure no pure command needs; pydantic counts too, for it is half a second to import and only
# the services' settings and events use it.
HEAVY = frozenset(
    {
        "sqlalchemy",
        "alembic",
        "aiosqlite",
        "asyncpg",
        "aiokafka",
        "faststream",
        "fastapi",
        "starlette",
        "uvicorn",
        "httpx",
        "pydantic",
        "pydantic_settings",
        "structlog",
        "prometheus_client",
        "opentelemetry",
    }
)

# `python -c PROBE HEAVY,NAMES ARGV...`: runs the command line, then reports its exit code and the heavy
# top-level packages it imported on stderr's last line, after whatever the command itself wrote.
_PROBE = """
import json, sys
from acikkapi_cli.main import main
try:
    code = main(sys.argv[2:])
except SystemExit as exit:
    code = exit.code
heavy = sorted({name.partition(".")[0] for name in sys.modules} & set(sys.argv[1].split(",")))
sys.stdout.flush()
print(json.dumps({"code": code, "heavy": heavy}), file=sys.stderr)
"""


def probe(argv: list[str], stdin: str = "") -> tuple[int, list[str], str]:
    """Runs `acikkapi ARGV` in a fresh interpreter; returns its exit code, heavy imports and output."""
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, ",".join(sorted(HEAVY)), *argv],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )
    report = json.loads(result.stderr.strip().splitlines()[-1])
    return report["code"], report["heavy"], result.stdout


@pytest.mark.parametrize(
    ("argv", "stdin", "answer"),
    [
        (
            ["route", "explain", "--json"],
            '{"topic":"YEREL_YONETIMLER","district":"SARIKAMIS","type":"SIKAYET",'
            '"text":"koyumuzun yolu kardan kapandi"}\n',
            '"institution": "IL_OZEL_IDARE"',
        ),
        (["sla", "due", "--received", "2026-05-22T14:00:00+03:00"], "", "2026-06-05T23:59:59+03:00"),
        (["sms", "encode", "--json"], "Başvurunuz alınmıştır\n", '"encoding": "GSM7_TR"'),
    ],
    ids=["route explain", "sla due", "sms encode"],
)
def test_a_pure_command_answers_without_importing_infrastructure(
    argv: list[str], stdin: str, answer: str
) -> None:
    code, heavy, out = probe(argv, stdin)
    assert code == 0
    assert answer in out
    assert heavy == []


def test_building_the_parser_imports_no_command_implementation() -> None:
    # `--help` registers every group: a group that imports its implementation up front fails here
    # even when no pure command of it exists yet.
    code, heavy, out = probe(["--help"])
    assert code == 0
    assert "route" in out and "replay" in out
    assert heavy == []
