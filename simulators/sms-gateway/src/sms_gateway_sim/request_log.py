"""Every request to the send endpoint as it arrived and was answered: evidence independent of dedupe."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypedDict, cast

from sms_gateway_sim.netgsm import SUCCESS, normalise_number
from sms_gateway_sim.store import JsonLinesFile

FaultKind = Literal["fail_next", "down", "drop_connection", "unauthorized", "account_refused"]


class RequestRecord(TypedDict):
    """One send request: what came in and what the simulator answered (GET /_sim/requests)."""

    seq: int  # arrival order, from 1 after each clear
    received_at: float  # unix seconds
    received_at_iso: str
    idempotency_key: str | None
    auth_passed: bool  # the credentials matched, checked even when a fault answered
    numbers: list[str]  # 5XXXXXXXXX where the number is valid, else as sent
    message_count: int
    status: int | None  # HTTP status; None when the connection was dropped without an answer
    code: str | None  # Netgsm code in the answer body; None when the answer has no Netgsm body
    jobid: str | None
    duplicate: bool  # answered with an earlier job because of a repeated Idempotency-Key
    fault: FaultKind | None  # the injected fault that answered, if any
    latency_ms: int  # injected delay before the answer


@dataclass
class RequestCounters:
    """Counts over the raw log; state.Stats says what each means."""

    requests: int = 0
    duplicates: int = 0
    duplicate_messages: int = 0
    rejected: int = 0
    faults: int = 0
    deliveries_without_idempotency: int = 0

    def count(self, record: RequestRecord) -> None:
        """Adds one request to the counts."""
        self.requests += 1
        if record["fault"] is not None:
            self.faults += 1
        elif record["code"] == SUCCESS:
            self.deliveries_without_idempotency += record["message_count"]
            if record["duplicate"]:
                self.duplicates += 1
                self.duplicate_messages += record["message_count"]
        else:
            self.rejected += 1


@dataclass
class RequestLog:
    """The raw request log in memory, appended to an optional JSON Lines file."""

    path: Path | None = None
    records: list[RequestRecord] = field(default_factory=list)
    counters: RequestCounters = field(default_factory=RequestCounters)
    _file: JsonLinesFile | None = None

    def open(self) -> None:
        """Loads the requests already in the file and opens it for appending."""
        if self.path is None:
            return
        self._file = JsonLinesFile(self.path)
        for loaded in self._file.open():
            record = cast(RequestRecord, loaded)  # written by add()
            self.records.append(record)
            self.counters.count(record)

    def close(self) -> None:
        """Flushes and closes the file."""
        if self._file is not None:
            self._file.close()
            self._file = None

    def add(
        self,
        *,
        received_at: float,
        received_at_iso: str,
        idempotency_key: str | None,
        auth_passed: bool,
        numbers: list[str],
        message_count: int,
        status: int | None,
        code: str | None,
        jobid: str | None = None,
        duplicate: bool = False,
        fault: FaultKind | None = None,
        latency_ms: int = 0,
    ) -> RequestRecord:
        """Records one request and returns its record."""
        record: RequestRecord = {
            "seq": len(self.records) + 1,
            "received_at": received_at,
            "received_at_iso": received_at_iso,
            "idempotency_key": idempotency_key,
            "auth_passed": auth_passed,
            "numbers": numbers,
            "message_count": message_count,
            "status": status,
            "code": code,
            "jobid": jobid,
            "duplicate": duplicate,
            "fault": fault,
            "latency_ms": latency_ms,
        }
        self.records.append(record)
        self.counters.count(record)
        if self._file is not None:
            self._file.append([record])
        return record

    def clear(self) -> None:
        """Forgets every request and counter and empties the file."""
        self.records.clear()
        self.counters = RequestCounters()
        if self._file is not None:
            self._file.truncate()

    def select(self, *, no: str | None, since: float | None) -> list[RequestRecord]:
        """Returns the requests with this number and/or received at or after since, in arrival order."""
        return [
            record
            for record in self.records
            if (no is None or no in record["numbers"]) and (since is None or record["received_at"] >= since)
        ]


def peek_messages(body: Any) -> tuple[list[str], int]:
    """Returns the numbers and the message count of a send body, tolerating any malformed shape.

    Used for requests that were not parsed as valid, so the log still shows what they carried.
    """
    items = body.get("messages") if isinstance(body, dict) else None
    if not isinstance(items, list):
        return [], 0
    numbers = [
        normalise_number(item["no"]) or item["no"]
        for item in items
        if isinstance(item, dict) and isinstance(item.get("no"), str)
    ]
    return numbers, len(items)
