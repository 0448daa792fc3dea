"""Accepted messages kept in memory and appended to an optional JSON Lines file."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any


class JsonLinesFile:
    """An append-only JSON Lines file: read once on open, one write and flush per batch of records."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[str] | None = None

    def open(self) -> list[dict[str, Any]]:
        """Returns the records already in the file and opens it for appending."""
        records: list[dict[str, Any]] = []
        if self.path.exists():
            with self.path.open(encoding="utf-8") as existing:
                records = [json.loads(line) for line in existing if line.strip()]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = self.path.open("a", encoding="utf-8")
        return records

    def append(self, records: Iterable[Mapping[str, Any]]) -> None:
        """Appends the records in one write."""
        if self._file is not None:
            # A flush per batch, without fsync: a crash of the machine may lose the last lines,
            # which a simulator can afford for ≥ 500 requests a second.
            self._file.write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
            self._file.flush()

    def truncate(self) -> None:
        """Empties the file."""
        if self._file is not None:
            self._file.seek(0)
            self._file.truncate()
            self._file.flush()

    def close(self) -> None:
        """Flushes and closes the file."""
        if self._file is not None:
            self._file.close()
            self._file = None


@dataclass
class Counters:
    """Messages accepted since the last clear, loaded ones included."""

    accepted: int = 0

    def as_dict(self) -> dict[str, int]:
        """Returns the counters as part of the /_sim/stats JSON object."""
        return {"accepted": self.accepted}


@dataclass
class MessageStore:
    """Every accepted message, the job id of each idempotency key, and the accepted count."""

    path: Path | None = None
    messages: list[dict[str, Any]] = field(default_factory=list)
    jobs_by_key: dict[str, str] = field(default_factory=dict)
    counters: Counters = field(default_factory=Counters)
    _file: JsonLinesFile | None = None

    def open(self) -> None:
        """Loads the messages already in the file and opens it for appending."""
        if self.path is None:
            return
        self._file = JsonLinesFile(self.path)
        for record in self._file.open():
            self._remember(record)

    def close(self) -> None:
        """Flushes and closes the file."""
        if self._file is not None:
            self._file.close()
            self._file = None

    def job_for(self, idempotency_key: str | None) -> str | None:
        """Returns the job id already given to this idempotency key, if any."""
        return None if idempotency_key is None else self.jobs_by_key.get(idempotency_key)

    def add(self, records: list[dict[str, Any]]) -> None:
        """Keeps the records of one accepted request and appends them to the file."""
        for record in records:
            self._remember(record)
        if self._file is not None:
            self._file.append(records)

    def clear(self) -> None:
        """Forgets every message and counter and empties the file."""
        self.messages.clear()
        self.jobs_by_key.clear()
        self.counters = Counters()
        if self._file is not None:
            self._file.truncate()

    def select(self, *, no: str | None, since: float | None) -> list[dict[str, Any]]:
        """Returns the messages to this number and/or received at or after since, oldest first."""
        return [
            record
            for record in self.messages
            if (no is None or record["no"] == no) and (since is None or record["received_at"] >= since)
        ]

    def _remember(self, record: dict[str, Any]) -> None:
        """Adds one record to memory."""
        self.messages.append(record)
        self.counters.accepted += 1
        key = record.get("idempotency_key")
        if key:
            self.jobs_by_key[key] = record["jobid"]
