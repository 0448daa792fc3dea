"""Ctrl-C on `make run | tee run.log` stops the whole stack: the real processes, started the way `make run`
starts them (`uv run acikkapi dev run`), their output piped into tee, and SIGINT sent to the process
group as the terminal does, so that tee dies with the rest and the pipe loses its reader.

Kafka is the test session's broker (the stack neither starts nor stops it then); the fake-stack tests in
cli/tests/test_foreground.py cover the other outputs and signals.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from acikkapi_cli.devstack import SERVICES, SMS_GATEWAY
from acikkapi_shared.testing import free_port, repo_root
from acikkapi_shared.testing.prometheus import bin_dir

pytestmark = pytest.mark.kafka

RUNNING = "Açık Kapı is running"


def uv_command() -> list[str]:
    """Returns uv as the Makefile finds it: on PATH, else the module installed from PyPI."""
    found = shutil.which("uv")
    return [found] if found else ["python3", "-m", "uv"]


def stack_environment(bootstrap: str, var: Path) -> tuple[dict[str, str], dict[str, int]]:
    """Returns an environment for a stack of its own (ports, topics, folder) on the session's broker."""
    prefix = f"t{uuid.uuid4().hex[:8]}"
    ports = {process.name: free_port() for process in (*SERVICES, SMS_GATEWAY)}
    env = {
        **os.environ,
        "ACIKKAPI_VAR_DIR": str(var),
        "ACIKKAPI_EXTERNAL_KAFKA": bootstrap,
        "ACIKKAPI_TOPIC_PREFIX": prefix,
        "ACIKKAPI_PORTAL_TOPIC": f"{prefix}.portal.submissions.v1",
    }
    env.pop("ACIKKAPI_SMS_BASE_URL", None)
    for process in (*SERVICES, SMS_GATEWAY):
        env[process.port_variable] = str(ports[process.name])
    # The stack starts a Prometheus too when it is installed (the test command installs it): on a port
    # of its own, stopped with the rest.
    ports["prometheus"] = free_port()
    env["ACIKKAPI_PROMETHEUS_PORT"] = str(ports["prometheus"])
    env["ACIKKAPI_PROMETHEUS"] = "auto"  # a session-wide system_running may have set "off" meanwhile
    return env, ports


def alive(pid: int) -> bool:
    """Tells whether a process exists and is not a zombie waiting to be reaped."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def wait_for(text: str, log: Path, process: subprocess.Popen[bytes], timeout: float = 150.0) -> None:
    deadline = time.monotonic() + timeout
    while text not in log.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"no {text!r} from `acikkapi dev run`; its output:\n{log.read_text()}")
        time.sleep(0.2)


def test_ctrl_c_on_dev_run_piped_into_tee_stops_every_process(
    kafka_bootstrap_servers: str, tmp_path: Path
) -> None:
    bin_dir()  # Debian's prometheus package, installed when missing
    var = tmp_path / "var"
    env, ports = stack_environment(kafka_bootstrap_servers, var)
    log = tmp_path / "run.log"
    log.touch()  # tee creates it too, but perhaps after the first look
    command = [*uv_command(), "run", "--no-sync", "acikkapi", "dev", "run"]
    # One process group for uv (with the CLI under it) and tee, as a shell makes for a pipeline.
    # A job started in the background (CI, nohup) inherits SIGINT ignored: give the pipeline the
    # default disposition a terminal's foreground job has, or the Ctrl-C below would mean nothing.
    run = subprocess.Popen(
        command, cwd=repo_root(), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL, process_group=0, preexec_fn=default_sigint,
    )  # fmt: skip
    assert run.stdout is not None
    tee = subprocess.Popen(
        ["tee", str(log)],
        stdin=run.stdout,
        stdout=subprocess.DEVNULL,
        process_group=run.pid,
        preexec_fn=default_sigint,
    )
    run.stdout.close()  # tee holds the only read end: when it dies, the pipe has no reader
    pids: dict[str, int] = {}
    try:
        wait_for(RUNNING, log, run)
        pids = {f.stem: int(f.read_text()) for f in (var / "run").glob("*.pid")}
        assert sorted(pids) == sorted([p.name for p in (*SERVICES, SMS_GATEWAY)] + ["prometheus"])
        assert all(alive(pid) for pid in pids.values())

        os.killpg(run.pid, signal.SIGINT)

        assert tee.wait(timeout=10) == -signal.SIGINT
        code = run.wait(timeout=120)
        assert {name: pid for name, pid in pids.items() if alive(pid)} == {}
        assert [f.name for f in (var / "run").glob("*.pid")] == []
        assert [name for name, port in ports.items() if listening(port)] == []
        # 0: the CLI stopped the stack and returned normally, no BrokenPipeError escaped.
        assert code == 0
    finally:
        for process in (run, tee):
            if process.poll() is None:
                process.kill()
                process.wait()
        if any(alive(pid) for pid in pids.values()):
            subprocess.run([sys.executable, "-m", "acikkapi_cli.main", "dev", "down"], env=env, check=False)
