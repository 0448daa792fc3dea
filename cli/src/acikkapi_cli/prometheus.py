"""A local Prometheus (Debian's package) scraping the local stack, with the project's alert rules.

`make run` / `make up` start it when `prometheus` is installed (deploy/prometheus/ensure.sh installs it;
`make run` calls it), the end-to-end test starts it on a free port. Never the Debian service: the binary,
run with a configuration, rules and data directory of its own under var/prometheus.

Settings (environment, read when the stack starts):
- ACIKKAPI_PROMETHEUS: `auto` (default: start when installed) or `off`.
- ACIKKAPI_PROMETHEUS_PORT: default 9090.
- ACIKKAPI_PROMETHEUS_INTERVAL: scrape and rule-evaluation interval, default `15s`.
- ACIKKAPI_PROMETHEUS_ALERT_FOR: when set (e.g. `5s`), every alert's `for:` is replaced by it in the
  rendered copy of the rules: a demonstration or a test sees alerts go pending and firing in seconds.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx
import yaml

from acikkapi_cli import pids

DEFAULT_PORT = 9090
DEFAULT_INTERVAL = "15s"
JOB = "acikkapi"
_FOR = re.compile(r"^(\s*)for:\s*\S+\s*$", re.MULTILINE)


def installed() -> bool:
    """Returns whether Debian's prometheus binary is on the PATH."""
    return shutil.which("prometheus") is not None


def rules_dir(root: Path) -> Path:
    """Returns the folder of the project's alert rules."""
    return root / "deploy" / "prometheus" / "rules"


def with_alert_for(rules_text: str, duration: str) -> str:
    """Returns the rules with every `for:` replaced by duration (a test's or a demonstration's)."""
    return _FOR.sub(lambda match: f"{match.group(1)}for: {duration}", rules_text)


def scrape_config(
    targets: Mapping[str, int], *, interval: str, rule_files: list[str], host: str = "127.0.0.1"
) -> dict[str, Any]:
    """Returns a Prometheus configuration scraping each service's /metrics (label `service`)."""
    return {
        "global": {"scrape_interval": interval, "evaluation_interval": interval},
        "rule_files": rule_files,
        "scrape_configs": [
            {
                "job_name": JOB,
                "metrics_path": "/metrics",
                "static_configs": [
                    {"targets": [f"{host}:{port}"], "labels": {"service": name}}
                    for name, port in targets.items()
                ],
            }
        ],
    }


class LocalPrometheus:
    """Prometheus under var/prometheus: configuration, rendered rules, data, pid file."""

    def __init__(self, root: Path, var: Path, targets: Mapping[str, int]) -> None:
        self.root = root
        self.folder = var / "prometheus"
        self.pid_file = var / "run" / "prometheus.pid"
        self.log_file = var / "logs" / "prometheus.log"
        self.targets = dict(targets)
        self.port = int(os.environ.get("ACIKKAPI_PROMETHEUS_PORT", DEFAULT_PORT))
        self.interval = os.environ.get("ACIKKAPI_PROMETHEUS_INTERVAL", DEFAULT_INTERVAL)
        self.alert_for = os.environ.get("ACIKKAPI_PROMETHEUS_ALERT_FOR", "")
        self.wanted = os.environ.get("ACIKKAPI_PROMETHEUS", "auto") != "off"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def enabled(self) -> bool:
        """Returns whether this stack runs Prometheus: wanted and installed."""
        return self.wanted and installed()

    def write_configuration(self) -> Path:
        """Renders the rules and the configuration under var/prometheus; returns the configuration."""
        rendered = self.folder / "rules"
        rendered.mkdir(parents=True, exist_ok=True)
        names = []
        for source in sorted(rules_dir(self.root).glob("*.yml")):
            text = source.read_text("utf-8")
            (rendered / source.name).write_text(
                with_alert_for(text, self.alert_for) if self.alert_for else text
            )
            names.append(str(rendered / source.name))
        config = scrape_config(self.targets, interval=self.interval, rule_files=names)
        path = self.folder / "prometheus.yml"
        path.write_text(yaml.safe_dump(config, sort_keys=False))
        return path

    def start(self, timeout: float = 60.0) -> None:
        """Starts Prometheus unless it runs; returns once it is ready."""
        if self.running_pid() is not None:
            return
        config = self.write_configuration()
        (self.folder / "data").mkdir(parents=True, exist_ok=True)
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        self.pid_file.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_file.open("ab")
        child = subprocess.Popen(
            [
                "prometheus",
                f"--config.file={config}",
                f"--storage.tsdb.path={self.folder / 'data'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
                "--storage.tsdb.retention.time=15d",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.pid_file.write_text(str(child.pid))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if child.poll() is not None:
                raise SystemExit(f"prometheus exited; see {self.log_file}")
            try:
                if httpx.get(f"{self.url}/-/ready", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise SystemExit(f"prometheus not ready after {timeout:.0f} s; see {self.log_file}")

    def stop(self) -> None:
        """Stops the Prometheus this stack started."""
        pids.stop(self.pid_file)

    def running_pid(self) -> int | None:
        """Returns the pid of the Prometheus this stack started, if it still runs."""
        return pids.running_pid(self.pid_file)
