"""`acikkapi dev run` stops the stack on Ctrl-C, SIGTERM and SIGHUP whatever its output is: a terminal, a
file, or a pipe whose reader is gone (tee got the same Ctrl-C). A fake stack keeps this fast; the real
stack through `uv run … | tee` is tests/reliability/test_dev_run_stops.py."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import pytest

# The fake stack marks what ran; its down() takes a moment, in which a second signal may arrive.
_FAKE_RUN = """
import pathlib, sys, time
from acikkapi_cli.foreground import run_foreground

marks = pathlib.Path(sys.argv[1])

class FakeStack:
    def up(self, stop_requested=lambda: False):
        (marks / "up").touch()

    def describe(self):
        return "  fake"

    def down(self):
        time.sleep(0.5)
        (marks / "down").touch()

sys.exit(run_foreground(FakeStack()))
"""
RUNNING = b"is running"


def _read_until(fd: int, needle: bytes, timeout: float = 20.0) -> bytes:
    seen = b""
    deadline = time.monotonic() + timeout
    while needle not in seen:
        assert time.monotonic() < deadline, f"no {needle!r} in {seen!r}"
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            seen += os.read(fd, 4096)
    return seen


@contextmanager
def fake_run(tmp_path: Path, output: str) -> Iterator[tuple[subprocess.Popen[bytes], int | None, Path]]:
    """Starts the fake `dev run` writing to OUTPUT and returns once it says it is running: the process,
    the terminal's master side or the pipe's read end (None for a file), and the output file."""
    log = tmp_path / "out.log"
    argv = [sys.executable, "-c", _FAKE_RUN, str(tmp_path)]
    reader: int | None = None
    stdout: int | IO[bytes]
    if output == "terminal":
        reader, stdout = pty.openpty()
    elif output == "file":
        stdout = log.open("wb")
    else:
        reader, stdout = os.pipe()
    child = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=stdout, stderr=stdout)
    if isinstance(stdout, int):
        os.close(stdout)
    else:
        stdout.close()
    try:
        if reader is not None:
            _read_until(reader, RUNNING)
        else:
            deadline = time.monotonic() + 20
            while RUNNING not in log.read_bytes():
                assert time.monotonic() < deadline
                time.sleep(0.05)
        yield child, reader, log
    finally:
        if child.poll() is None:
            child.kill()
        child.wait()


@pytest.mark.parametrize("output", ["terminal", "file", "dead pipe"])
@pytest.mark.parametrize("number", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=lambda s: s.name)
def test_a_stop_signal_stops_the_stack_whatever_the_output(
    tmp_path: Path, output: str, number: signal.Signals
) -> None:
    with fake_run(tmp_path, output) as (child, reader, log):
        hang_up = output == "terminal" and number == signal.SIGHUP
        if reader is not None and (output == "dead pipe" or hang_up):
            os.close(reader)  # tee died of the same Ctrl-C, or the terminal went away: writes now fail
            reader = None
        child.send_signal(number)
        assert child.wait(timeout=20) == 0
        assert (tmp_path / "down").exists()
        if output == "file":
            assert "stopping…" in log.read_text()
        elif reader is not None:
            assert "stopping…".encode() in _read_until(reader, "stopping…".encode())
            os.close(reader)


def test_a_second_ctrl_c_does_not_cut_the_stop_short(tmp_path: Path) -> None:
    with fake_run(tmp_path, "dead pipe") as (child, reader, _):
        assert reader is not None
        os.close(reader)
        child.send_signal(signal.SIGINT)
        time.sleep(0.2)  # inside down()
        child.send_signal(signal.SIGINT)
        child.send_signal(signal.SIGTERM)
        assert child.wait(timeout=20) == 0
        assert (tmp_path / "down").exists()
