"""Accepted messages kept in memory and appended to an optional JSON Lines file."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TypedDict, cast

# Built once: json.dumps with any non-default option builds a new encoder on every call.
_ENCODER = json.JSONEncoder(ensure_ascii=False, check_circular=False)


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
            self._file.write("".join(_ENCODER.encode(r) + "\n" for r in records))
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


class MessageRecord(TypedDict):
    """One accepted message (GET /_sim/messages)."""

    id: str  # <jobid>-<position in the job>
    jobid: str
    msgheader: str
    no: str  # 5XXXXXXXXX
    msg: str
    encoding: str | None
    iysfilter: str | None
    idempotency_key: str | None
    received_at: float  # unix seconds
    received_at_iso: str


@dataclass
class MessageStore:
    """Every accepted message and the job id of each idempotency key."""

    path: Path | None = None
    messages: list[MessageRecord] = field(default_factory=list)
    jobs_by_key: dict[str, str] = field(default_factory=dict)
    accepted: int = 0  # messages since the last clear, loaded ones included
    _file: JsonLinesFile | None = None

    def open(self) -> None:
        """Loads the messages already in the file and opens it for appending."""
        if self.path is None:
            return
        self._file = JsonLinesFile(self.path)
        for record in self._file.open():
            self._remember(cast(MessageRecord, record))  # written by add()

    def close(self) -> None:
        """Flushes and closes the file."""
        if self._file is not None:
            self._file.close()
            self._file = None

    def job_for(self, idempotency_key: str | None) -> str | None:
        """Returns the job id already given to this idempotency key, if any."""
        return None if idempotency_key is None else self.jobs_by_key.get(idempotency_key)

    def add(self, records: list[MessageRecord]) -> None:
        """Keeps the records of one accepted request and appends them to the file."""
        for record in records:
            self._remember(record)
        if self._file is not None:
            self._file.append(records)

    def clear(self) -> None:
        """Forgets every message and counter and empties the file."""
        self.messages.clear()
        self.jobs_by_key.clear()
        self.accepted = 0
        if self._file is not None:
            self._file.truncate()

    def select(self, *, no: str | None, since: float | None) -> list[MessageRecord]:
        """Returns the messages to this number and/or received at or after since, oldest first."""
        return [
            record
            for record in self.messages
            if (no is None or record["no"] == no) and (since is None or record["received_at"] >= since)
        ]

    def _remember(self, record: MessageRecord) -> None:
        """Adds one record to memory."""
        self.messages.append(record)
        self.accepted += 1
        key = record.get("idempotency_key")
        if key:
            self.jobs_by_key[key] = record["jobid"]
