"""`acikkapi dev run`: the local stack in the foreground until Ctrl-C, SIGTERM or SIGHUP, then none of it.

Why this takes care: Ctrl-C on `make run | tee run.log` sends SIGINT to the whole foreground process group
(make, uv, this process and tee). tee dies at once, so from then on stdout is a pipe without a reader and
every write raises BrokenPipeError; a terminal that hung up raises EIO likewise. The stack's processes run
in sessions of their own (a Ctrl-C must not kill them half-way), so they depend on this process to stop
them: when the "stopping…" message raised, the stop after it never ran and all six kept running. Hence
output here is best effort and never stands between a stop request and the stop, and further signals
(an impatient second Ctrl-C, the terminal closing) cannot cut the stop short.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from typing import Protocol

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Stack(Protocol):
    """What the foreground runner needs of the stack (devstack.DevStack)."""

    def up(self, stop_requested: Callable[[], bool] = ...) -> None: ...

    def down(self) -> None: ...

    def describe(self) -> str: ...


def say(text: str) -> None:
    """Prints a line if anyone can still read it; once nobody can, this process's output is discarded."""
    try:
        print(text, flush=True)
    except OSError:  # BrokenPipeError: the pipe's reader is gone; EIO: the terminal hung up
        discard_output()


def discard_output() -> None:
    """Points stdout and stderr at /dev/null, so that later writes, the interpreter's last flush and the
    children this process still runs (kafka.sh stop) neither fail nor die of SIGPIPE."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        # The descriptors, not sys.stdout's: they are what the interpreter and the children write to.
        for descriptor in (1, 2):
            os.dup2(devnull, descriptor)
    finally:
        os.close(devnull)


class _StopRequest:
    """The signal handler: only records the request, so that no start or stop is interrupted half-way."""

    def __init__(self) -> None:
        self.signal: int | None = None

    def __call__(self, signum: int, _frame: object) -> None:
        self.signal = signum

    def is_set(self) -> bool:
        return self.signal is not None


def run_foreground(stack: Stack) -> int:
    """Starts everything, waits for a stop signal, then stops everything, whatever became of the output."""
    request = _StopRequest()
    previous = {number: signal.signal(number, request) for number in STOP_SIGNALS}
    try:
        try:
            stack.up(stop_requested=request.is_set)
            if not request.is_set():
                say("Açık Kapı is running (Ctrl-C stops everything):\n" + stack.describe())
            while not request.is_set():
                time.sleep(0.2)
        finally:
            # Ignored rather than handled: the children down() runs inherit it, so a second Ctrl-C does not
            # kill kafka.sh half-way through stopping the broker either.
            for number in STOP_SIGNALS:
                signal.signal(number, signal.SIG_IGN)
            say("stopping…")
            stack.down()
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    return 0
