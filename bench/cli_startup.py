"""Start-up time of the `acikkapi` pure commands, for one or more checkouts side by side.

    uv run python bench/cli_startup.py [--runs 5] [--uv] [--json] [[LABEL=]CHECKOUT ...]

Each CHECKOUT is a folder with its own synced `.venv` (default: this one). Every command runs as a
fresh process with the README's inputs, in three bytecode states, because that is what decides the
figures on a machine with PYTHONDONTWRITEBYTECODE=1 (as this one):

- `source`: no cached bytecode at all (an empty PYTHONPYCACHEPREFIX, writing off), so every imported
  module is compiled on every start: a venv that uv installed without `--compile-bytecode`;
- `cached`: bytecode cached in a private PYTHONPYCACHEPREFIX after one warm-up run: a compiled venv;
- `installed`: the caller's environment and whatever bytecode the checkout's venv holds: what a user of
  that checkout gets after its `make setup` (which compiles the venv's bytecode since this benchmark).

The private cache prefixes make the first two independent of the venvs' `__pycache__`. Runs
are interleaved (each round runs every command of every checkout once) so that load from other work on
the machine spreads over all columns alike; the table shows the median wall time and the median CPU
time (user + system) of each. Every run must exit 0 and print what the other checkouts print.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

COMMANDS: dict[str, tuple[list[str], str]] = {
    "route explain": (
        ["route", "explain", "--json"],
        '{"topic":"YEREL_YONETIMLER","district":"SARIKAMIS","type":"SIKAYET",'
        '"text":"koyumuzun yolu kardan kapandi"}\n',
    ),
    "sla due": (["sla", "due", "--received", "2026-05-22T14:00:00+03:00"], ""),
    "sms encode": (["sms", "encode", "--json"], "Başvurunuz alınmıştır\n"),
}
MODES = ("source", "cached", "installed")


@dataclass
class Checkout:
    label: str
    root: Path
    cache: Path
    wall: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    cpu: dict[tuple[str, str], list[float]] = field(default_factory=dict)

    def argv(self, command: list[str], *, via_uv: bool) -> list[str]:
        """Returns the command line: the venv's console script, or through `uv run` as the README does."""
        if via_uv:
            return ["uv", "run", "--frozen", "--directory", str(self.root), "acikkapi", *command]
        return [str(self.root / ".venv" / "bin" / "acikkapi"), *command]


def environment(checkout: Checkout, mode: str, empty: Path) -> dict[str, str]:
    """Returns the environment of one run in a bytecode state."""
    if mode == "installed":
        return dict(os.environ)
    env = {**os.environ, "PYTHONPYCACHEPREFIX": str(checkout.cache if mode == "cached" else empty)}
    if mode == "cached":
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def run_once(argv: list[str], stdin: str, env: dict[str, str], cwd: Path) -> tuple[float, float, str]:
    """Runs one command; returns its wall time, CPU time and output, failing loudly on an error."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(argv, input=stdin, capture_output=True, text=True, env=env, cwd=cwd)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited {result.returncode}: {result.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, result.stdout


def measure(checkouts: list[Checkout], runs: int, *, via_uv: bool) -> None:
    """Fills every checkout's timings; checks that all checkouts give the same answers."""
    with tempfile.TemporaryDirectory(prefix="cli-startup-") as scratch:
        empty = Path(scratch) / "empty"
        empty.mkdir()
        for checkout in checkouts:  # warm-up: fills the `cached` prefix
            for command, stdin in COMMANDS.values():
                env = environment(checkout, "cached", empty)
                run_once(checkout.argv(command, via_uv=via_uv), stdin, env, checkout.root)
        for _ in range(runs):
            for name, (command, stdin) in COMMANDS.items():
                for mode in MODES:
                    answers = set()
                    for checkout in checkouts:
                        env = environment(checkout, mode, empty)
                        argv = checkout.argv(command, via_uv=via_uv)
                        wall, cpu, out = run_once(argv, stdin, env, checkout.root)
                        checkout.wall.setdefault((name, mode), []).append(wall)
                        checkout.cpu.setdefault((name, mode), []).append(cpu)
                        answers.add(out)
                    if len(answers) != 1:
                        raise SystemExit(f"{name}: the checkouts answer differently: {answers}")


def table(checkouts: list[Checkout]) -> str:
    """Returns the medians as a Markdown table, wall (CPU) in seconds."""
    header = "| command | bytecode | " + " | ".join(f"{c.label} wall (CPU) s" for c in checkouts) + " |"
    lines = [header, "|---|---|" + "---|" * len(checkouts)]
    for name in COMMANDS:
        for mode in MODES:
            cells = [
                f"{statistics.median(c.wall[name, mode]):.3f} ({statistics.median(c.cpu[name, mode]):.3f})"
                for c in checkouts
            ]
            lines.append(f"| {name} | {mode} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    """Measures and prints the table (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("checkouts", nargs="*", default=["."], help="[LABEL=]folder with a synced .venv")
    parser.add_argument("--runs", type=int, default=5, help="runs per command, mode and checkout")
    parser.add_argument("--uv", action="store_true", help="run through `uv run`, as the README does")
    parser.add_argument("--json", action="store_true", help="print every timing as JSON")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cli-startup-caches-") as caches:
        checkouts = []
        for index, text in enumerate(args.checkouts):
            label, _, folder = text.rpartition("=")
            root = Path(folder).resolve()
            checkouts.append(Checkout(label or root.name, root, Path(caches) / str(index)))
        measure(checkouts, args.runs, via_uv=args.uv)
    if args.json:
        data = {
            c.label: {f"{n} {m}": {"wall": c.wall[n, m], "cpu": c.cpu[n, m]} for n, m in c.wall}
            for c in checkouts
        }
        print(json.dumps(data, indent=2))
        return
    print(f"median of {args.runs} runs, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    print(table(checkouts))


if __name__ == "__main__":
    main()
