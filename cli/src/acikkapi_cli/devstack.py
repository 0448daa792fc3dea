"""The local stack behind `make run` / `make up` / `make down`: Kafka, four services, SMS simulator.

Everything lives under var/ in the repository (or $ACIKKAPI_VAR_DIR): Kafka's data, one SQLite file
per service, logs, pid files, and the local staff issuer's keys (var/staff: created on the first `up`;
the services read its public key set, `acikkapi staff` issues the tokens). Ports come from the
environment (ACIKKAPI_<SERVICE>_PORT, ACIKKAPI_KAFKA_PORT, ACIKKAPI_SMS_SIM_PORT), so a second stack
can run beside the first.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from acikkapi_cli import pids
from acikkapi_cli.foreground import say
from acikkapi_cli.prometheus import LocalPrometheus
from acikkapi_shared.clock import SystemClock
from acikkapi_shared.messaging.kafka import ensure_topics
from acikkapi_shared.ports import KAFKA_PORT, SERVICE_PORTS, SMS_GATEWAY_PORT, port_variable
from acikkapi_shared.settings import ServiceSettings
from acikkapi_shared.staff.local import JWKS_FILE, LocalIssuer


@dataclass(frozen=True)
class Process:
    name: str
    module: str
    port_variable: str
    default_port: int

    def port(self) -> int:
        """Returns the port this process listens on."""
        return int(os.environ.get(self.port_variable, self.default_port))


# Each service runs as `python -m <package>`, the package being its name in Python spelling.
SERVICES = tuple(
    Process(name, name.replace("-", "_"), port_variable(name), port) for name, port in SERVICE_PORTS.items()
)
SMS_GATEWAY = Process("sms-gateway", "sms_gateway_sim", "ACIKKAPI_SMS_SIM_PORT", SMS_GATEWAY_PORT)


def repo_root() -> Path:
    """Returns the workspace root (the folder holding uv.lock) above the current directory."""
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "uv.lock").exists():
            return folder
    raise SystemExit("run this from inside the Açık Kapı repository")


class DevStack:
    """Starts and stops the local system; state is kept in pid files under var/run."""

    def __init__(self, root: Path, *, clock_offset: str = "", clock_rate: float = 1.0) -> None:
        self.root = root
        # A shifted or fast clock for every service (settings: ACIKKAPI_CLOCK_*), counted from one
        # epoch, this moment, so that services started a few seconds apart tell the same time.
        self.clock: dict[str, str] = {}
        if clock_offset or clock_rate != 1.0:
            self.clock = {
                "ACIKKAPI_CLOCK_OFFSET": clock_offset,
                "ACIKKAPI_CLOCK_RATE": repr(clock_rate),
                "ACIKKAPI_CLOCK_EPOCH": SystemClock().now().isoformat(),
            }
        self.var = Path(os.environ.get("ACIKKAPI_VAR_DIR", root / "var")).resolve()
        self.kafka_port = int(os.environ.get("ACIKKAPI_KAFKA_PORT", KAFKA_PORT))
        # A broker someone else runs (a test session's): then this stack neither starts nor stops Kafka.
        self.external_kafka = os.environ.get("ACIKKAPI_EXTERNAL_KAFKA")
        self.bootstrap = self.external_kafka or f"127.0.0.1:{self.kafka_port}"
        self.prometheus = LocalPrometheus(root, self.var, {p.name: p.port() for p in SERVICES})

    def environment(self) -> dict[str, str]:
        """Returns the environment every service process gets."""
        sms_port = SMS_GATEWAY.port()
        return {
            **os.environ,
            "ACIKKAPI_KAFKA_BOOTSTRAP_SERVERS": self.bootstrap,
            "ACIKKAPI_DATA_DIR": str(self.var / "data"),
            # The local issuer's public keys, unless an identity provider's (ACIKKAPI_STAFF_JWKS_URL)
            # or another file was configured.
            "ACIKKAPI_STAFF_JWKS_FILE": os.environ.get(
                "ACIKKAPI_STAFF_JWKS_FILE", str(self.var / "staff" / JWKS_FILE)
            ),
            "ACIKKAPI_SMS_BASE_URL": os.environ.get("ACIKKAPI_SMS_BASE_URL", f"http://127.0.0.1:{sms_port}"),
            "ACIKKAPI_SMS_SIM_PORT": str(sms_port),
            # The SMS name the local tracking page's address, unless another was configured.
            "ACIKKAPI_NOTIFIER_TRACKING_URL": os.environ.get(
                "ACIKKAPI_NOTIFIER_TRACKING_URL", self.tracking_url()
            ),
            **self.clock,
        }

    def tracking_url(self) -> str:
        """Returns the address of the local intake's tracking page."""
        return f"http://127.0.0.1:{self._process('intake').port()}/takip"

    def up(self, stop_requested: Callable[[], bool] = lambda: False) -> None:
        """Starts whatever is not running and returns once every service is ready, or as soon as a stop
        is requested (what did start is then left for down() to stop)."""
        for folder in ("data", "logs", "run", "sms"):
            (self.var / folder).mkdir(parents=True, exist_ok=True)
        if not os.environ.get("ACIKKAPI_STAFF_JWKS_URL"):
            LocalIssuer(self.var / "staff").ensure_keys()  # so that `acikkapi staff token` works at once
        try:
            self._kafka("start", "--port", str(self.kafka_port))
        except SystemExit:
            if stop_requested():
                return  # the same Ctrl-C reached kafka.sh: a stop under way, not a failure to report
            raise
        if stop_requested():
            return
        settings = ServiceSettings(kafka_bootstrap_servers=self.bootstrap)  # reads ACIKKAPI_TOPIC_PREFIX…
        topics = settings.topics
        asyncio.run(
            ensure_topics(
                self.bootstrap,
                topics.all_event_topics(),
                topics.all_dead_letter_topics(),
                partitions=settings.topic_partitions,
            )
        )
        self._start(SMS_GATEWAY, "--store", str(self.var / "sms" / "messages.jsonl"))
        for service in SERVICES:
            self._start(service)
        self._wait_ready(stop_requested=stop_requested)
        if self.prometheus.enabled() and not stop_requested():
            self.prometheus.start()

    def down(self) -> None:
        """Stops Prometheus, the services, the simulator and Kafka; nothing is left running."""
        self.prometheus.stop()
        for process in (*reversed(SERVICES), SMS_GATEWAY):
            self._stop(process)
        self._kafka("stop")

    def restart(
        self, name: str, *, hard: bool = False, environment: dict[str, str] | None = None, wait: bool = True
    ) -> None:
        """Stops one process (SIGKILL when hard, as a crash would) and starts it again, waiting for ready.

        environment adds variables for this start only (a test's crash point)."""
        process = self._process(name)
        pid = self._running_pid(process)
        if hard and pid is not None:
            os.kill(pid, signal.SIGKILL)
            while self._running_pid(process) is not None:
                time.sleep(0.05)
        self._stop(process)
        extra = ("--store", str(self.var / "sms" / "messages.jsonl")) if process is SMS_GATEWAY else ()
        self._start(process, *extra, environment=environment)
        if wait:
            self._wait_ready()

    def wait_exited(self, name: str, timeout: float = 60.0) -> bool:
        """Returns True once the process has exited (a crash point fired), False at the timeout."""
        process = self._process(name)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._running_pid(process) is None:
                return True
            time.sleep(0.05)
        return False

    def _process(self, name: str) -> Process:
        return next(p for p in (*SERVICES, SMS_GATEWAY) if p.name == name)

    def describe(self) -> str:
        """Returns where everything listens."""
        lines = [f"  kafka         {self.bootstrap}"]
        for process in (*SERVICES, SMS_GATEWAY):
            lines.append(f"  {process.name:<13} http://127.0.0.1:{process.port()}")
        lines.append(f"  tracking page {self.tracking_url()}")
        if self.prometheus.enabled():
            lines.append(f"  prometheus    {self.prometheus.url}")
        lines.append(f"  data, logs    {self.var}")
        if self.clock:
            offset = self.clock["ACIKKAPI_CLOCK_OFFSET"] or "0"
            lines.append(f"  clock         offset {offset}, rate {self.clock['ACIKKAPI_CLOCK_RATE']}")
        return "\n".join(lines)

    def _kafka(self, command: str, *extra: str) -> None:
        if self.external_kafka:
            return
        script = self.root / "deploy" / "kafka" / "kafka.sh"
        # Its output passes through say(): written straight into a pipe whose reader is gone, kafka.sh's
        # last echo would kill it with SIGPIPE.
        result = subprocess.run(
            ["bash", str(script), command, "--data", str(self.var / "kafka"), *extra],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            check=False,
        )
        if result.stdout.strip():
            say(result.stdout.rstrip())
        if result.returncode != 0:
            raise SystemExit(f"{script} {command} failed (exit status {result.returncode})")

    def _pid_file(self, process: Process) -> Path:
        return self.var / "run" / f"{process.name}.pid"

    def _running_pid(self, process: Process) -> int | None:
        return pids.running_pid(self._pid_file(process))

    def _start(self, process: Process, *arguments: str, environment: dict[str, str] | None = None) -> None:
        if self._running_pid(process) is not None:
            return
        log = (self.var / "logs" / f"{process.name}.log").open("ab")
        port_args = ("--port", str(process.port())) if process is SMS_GATEWAY else ()
        child = subprocess.Popen(
            [sys.executable, "-m", process.module, *port_args, *arguments],
            cwd=self.root,
            env={**self.environment(), **(environment or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._pid_file(process).write_text(str(child.pid))

    def _stop(self, process: Process) -> None:
        pids.stop(self._pid_file(process))

    def _wait_ready(self, timeout: float = 90.0, stop_requested: Callable[[], bool] = lambda: False) -> None:
        deadline = time.monotonic() + timeout
        pending = [*SERVICES, SMS_GATEWAY]
        while pending and not stop_requested():
            process = pending[0]
            path = "/healthz" if process is SMS_GATEWAY else "/readyz"
            try:
                if httpx.get(f"http://127.0.0.1:{process.port()}{path}", timeout=2).status_code == 200:
                    pending.pop(0)
                    continue
            except httpx.HTTPError:
                pass
            if self._running_pid(process) is None:
                raise SystemExit(f"{process.name} exited; see {self.var / 'logs' / process.name}.log")
            if time.monotonic() > deadline:
                raise SystemExit(
                    f"{process.name} not ready after {timeout:.0f} s; see its log in {self.var}/logs"
                )
            time.sleep(0.2)
