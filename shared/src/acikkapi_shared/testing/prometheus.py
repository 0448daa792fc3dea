"""Prometheus's own tools for the tests: promtool from Debian's package, installed when missing by
deploy/prometheus/ensure.sh (as root), the same script `make run` uses."""

from __future__ import annotations

import functools
import subprocess
from pathlib import Path

from acikkapi_shared.testing import repo_root


@functools.cache
def bin_dir() -> Path:
    """Returns the directory of prometheus and promtool, installing Debian's package when missing."""
    script = repo_root() / "deploy" / "prometheus" / "ensure.sh"
    done = subprocess.run(["bash", str(script)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"deploy/prometheus/ensure.sh failed: {done.stderr.strip()[-2000:]}")
    return Path(done.stdout.strip().splitlines()[-1])


def promtool(
    *arguments: str, stdin: str | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Runs promtool; returns its result whatever its exit code (the caller asserts on it)."""
    return subprocess.run(
        [str(bin_dir() / "promtool"), *arguments],
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        timeout=120,
    )


def check_metrics(exposition: str) -> list[str]:
    """Returns promtool's complaints about a /metrics text (empty when it passes `check metrics`)."""
    done = promtool("check", "metrics", stdin=exposition)
    problems = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    return problems if done.returncode != 0 or problems else []
