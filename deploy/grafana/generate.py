"""Writes the operators' Grafana dashboards (grafana_panels.py, built by grafana_model.py) as JSON.

uv run python deploy/grafana/generate.py          # writes deploy/grafana/dashboards/*.json
uv run python deploy/grafana/generate.py --check  # exit 1 if the committed JSON differs
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from grafana_model import build
from grafana_panels import boards

OUT = Path(__file__).resolve().parent / "dashboards"


def rendered() -> dict[str, str]:
    """Returns each dashboard's file name and JSON text."""
    return {
        f"{board.uid}.json": json.dumps(build(board), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        for board in boards()
    }


def differences(out: Path = OUT) -> list[str]:
    """Returns the dashboard files that are missing, stale or no longer generated."""
    files = rendered()
    stale = [
        name
        for name, text in files.items()
        if not (out / name).exists() or (out / name).read_text("utf-8") != text
    ]
    return stale + sorted({p.name for p in out.glob("*.json")} - set(files))


def main(argv: list[str]) -> int:
    if "--check" in argv:
        stale = differences()
        if stale:
            print(f"dashboards differ from the code: {stale}; run deploy/grafana/generate.py")
        return 1 if stale else 0
    OUT.mkdir(parents=True, exist_ok=True)
    for name, text in rendered().items():
        (OUT / name).write_text(text, "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
