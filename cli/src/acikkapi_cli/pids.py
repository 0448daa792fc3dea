"""Processes the local stack started, known by their pid files under var/run."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path


def running_pid(pid_file: Path) -> int | None:
    """Returns the pid in the file if that process still runs (an exited child of ours is reaped)."""
    try:
        pid = int(pid_file.read_text())
    except (FileNotFoundError, ValueError):
        return None
    try:
        # Reap it if it is our own exited child, so a zombie does not count as running.
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return None
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    return pid


def stop(pid_file: Path, grace: float = 20.0) -> None:
    """Stops the process of the pid file (SIGTERM, SIGKILL after grace seconds) and removes the file."""
    pid = running_pid(pid_file)
    if pid is not None:
        send(pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and running_pid(pid_file) is not None:
            time.sleep(0.1)
        if running_pid(pid_file) is not None:
            send(pid, signal.SIGKILL)
    pid_file.unlink(missing_ok=True)


def send(pid: int, number: signal.Signals) -> None:
    """Signals a process that may have exited since it was found running (a stop must go on then)."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, number)
