"""Real Kafka and PostgreSQL servers for tests, run by the scripts under deploy/."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import Self

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.engine import make_url

_START_TIMEOUT_S = 300.0
_STOP_TIMEOUT_S = 60.0
_PORT_ATTEMPTS = 3
_DATABASE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def repo_root() -> Path:
    """Return the workspace root: the nearest directory holding uv.lock."""
    for start in (Path(__file__).resolve(), Path.cwd().resolve()):
        for directory in (start, *start.parents):
            if (directory / "uv.lock").is_file():
                return directory
    raise RuntimeError("workspace root not found: no uv.lock above this file or the cwd")


def _run_script(arguments: Sequence[str], timeout_s: float) -> subprocess.CompletedProcess[str]:
    """Run a deploy script and return its completed process, whatever its exit code."""
    return subprocess.run(
        list(arguments),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )


def _failure(what: str, completed: subprocess.CompletedProcess[str]) -> RuntimeError:
    return RuntimeError(
        f"{what} failed with exit code {completed.returncode}\n"
        f"--- stdout ---\n{completed.stdout}\n--- stderr ---\n{completed.stderr}"
    )


class _ScriptProcess:
    """A server run by a deploy script with `start --data DIR --port P` and `stop --data DIR`."""

    name = "server"

    def __init__(
        self, script: Path, data_dir: Path | None, port: int | None, stop_with_this_process: bool
    ) -> None:
        self._script = script
        self._stop_with_this_process = stop_with_this_process
        self._owns_data_dir = data_dir is None
        self._data_dir = data_dir
        self._requested_port = port
        self._port: int | None = None

    @property
    def data_dir(self) -> Path:
        """Directory holding the server's configuration, data and logs."""
        if self._data_dir is None:
            raise RuntimeError(f"{self.name} has not been started")
        return self._data_dir

    @property
    def port(self) -> int:
        """TCP port the server listens on (127.0.0.1)."""
        if self._port is None:
            raise RuntimeError(f"{self.name} has not been started")
        return self._port

    def _new_data_dir(self) -> Path:
        return Path(tempfile.mkdtemp(prefix=f"acikkapi-{self.name}-"))

    def _start_arguments(self, data_dir: Path, port: int) -> list[str]:
        arguments = [str(self._script), "start", "--data", str(data_dir), "--port", str(port)]
        if self._stop_with_this_process:
            # The script's watchdog stops the server if this process dies without calling stop().
            arguments += ["--owner-pid", str(os.getpid())]
        return arguments

    def _on_started(self, completed: subprocess.CompletedProcess[str]) -> None:
        """Hook for subclasses: read what the start script printed."""

    def start(self) -> Self:
        """Start the server on a free port (or the given one) and wait until it is ready."""
        if self._data_dir is None:
            self._data_dir = self._new_data_dir()
        attempts = 1 if self._requested_port is not None else _PORT_ATTEMPTS
        for attempt in range(1, attempts + 1):
            port = self._requested_port or free_port()
            completed = _run_script(self._start_arguments(self._data_dir, port), _START_TIMEOUT_S)
            if completed.returncode == 0:
                self._port = port
                self._on_started(completed)
                return self
            # Another process may have taken the free port between our probe and the server's bind.
            if "already in use" not in completed.stderr or attempt == attempts:
                self._remove_data_dir()
                raise _failure(f"starting {self.name} with {self._script.name}", completed)
        raise AssertionError("unreachable")

    def stop(self) -> None:
        """Stop the server; remove its data directory if this object created it."""
        if self._data_dir is None:
            return
        completed = _run_script([str(self._script), "stop", "--data", str(self._data_dir)], _STOP_TIMEOUT_S)
        if completed.returncode != 0:
            raise _failure(f"stopping {self.name} with {self._script.name}", completed)
        self._port = None
        self._remove_data_dir()

    def _remove_data_dir(self) -> None:
        if self._owns_data_dir and self._data_dir is not None:
            shutil.rmtree(self._data_dir, ignore_errors=True)
            self._data_dir = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


class KafkaProcess(_ScriptProcess):
    """A single-node Kafka 4.1.1 broker (KRaft) run by deploy/kafka/kafka.sh."""

    name = "kafka"

    def __init__(
        self,
        data_dir: Path | None = None,
        port: int | None = None,
        stop_with_this_process: bool = True,
    ) -> None:
        script = repo_root() / "deploy" / "kafka" / "kafka.sh"
        super().__init__(script, data_dir, port, stop_with_this_process)

    @property
    def bootstrap_servers(self) -> str:
        """Kafka bootstrap servers string, e.g. 127.0.0.1:40123."""
        return f"127.0.0.1:{self.port}"


class PostgresProcess(_ScriptProcess):
    """A private PostgreSQL server run by deploy/postgres/pg.sh; fast=True turns off fsync."""

    name = "postgres"

    def __init__(
        self,
        data_dir: Path | None = None,
        port: int | None = None,
        fast: bool = True,
        stop_with_this_process: bool = True,
    ) -> None:
        script = repo_root() / "deploy" / "postgres" / "pg.sh"
        super().__init__(script, data_dir, port, stop_with_this_process)
        self._fast = fast
        self._url: str | None = None

    def _new_data_dir(self) -> Path:
        # As root, pg.sh runs the server as the postgres OS user, who must reach the directory.
        parent = Path(tempfile.mkdtemp(prefix="acikkapi-postgres-"))
        parent.chmod(0o755)
        return parent / "data"

    def _remove_data_dir(self) -> None:
        if self._owns_data_dir and self._data_dir is not None:
            shutil.rmtree(self._data_dir.parent, ignore_errors=True)
            self._data_dir = None

    def _start_arguments(self, data_dir: Path, port: int) -> list[str]:
        fast = ["--fast"] if self._fast else []
        return [*super()._start_arguments(data_dir, port), *fast]

    def _on_started(self, completed: subprocess.CompletedProcess[str]) -> None:
        self._url = completed.stdout.strip().splitlines()[-1]

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the acikkapi database: postgresql+asyncpg://postgres@127.0.0.1:P/acikkapi."""
        if self._url is None:
            raise RuntimeError("postgres has not been started")
        return self._url

    def create_database(self, name: str) -> str:
        """Create database `name` on this server and return its SQLAlchemy URL."""
        return create_database(self.url, name)

    def restart(self) -> None:
        """Restart the server as a failover would: every session is cut, then it accepts again."""
        arguments = [str(self._script), "restart", "--data", str(self.data_dir)]
        if self._stop_with_this_process:
            arguments += ["--owner-pid", str(os.getpid())]
        completed = _run_script(arguments, _START_TIMEOUT_S)
        if completed.returncode != 0:
            raise _failure(f"restarting {self.name}", completed)


async def _execute_on_server(server_url: str, statement: str) -> None:
    url = make_url(server_url)
    connection = await asyncpg.connect(
        host=url.host or "127.0.0.1",
        port=url.port or 5432,
        user=url.username or "postgres",
        password=url.password,
        database=url.database or "postgres",
    )
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def _run_sync(server_url: str, statement: str) -> None:
    # A thread of its own, so callers may be inside a running event loop or not.
    with ThreadPoolExecutor(max_workers=1) as executor:
        executor.submit(asyncio.run, _execute_on_server(server_url, statement)).result()


def _checked_name(name: str) -> str:
    if not _DATABASE_NAME.fullmatch(name):
        raise ValueError(f"invalid database name {name!r}: use [a-z0-9_], at most 63 characters")
    return name


def create_database(server_url: str, name: str) -> str:
    """Create database `name` on the server of `server_url`; return the same URL pointing at it."""
    _run_sync(server_url, f'create database "{_checked_name(name)}"')
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def drop_database(server_url: str, name: str) -> None:
    """Drop database `name` on the server of `server_url`, closing its open connections."""
    _run_sync(server_url, f'drop database if exists "{_checked_name(name)}" with (force)')
