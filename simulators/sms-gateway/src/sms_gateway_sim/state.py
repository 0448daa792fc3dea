"""What one running simulator is configured with and holds."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypedDict

from sms_gateway_sim.faults import FaultPlan
from sms_gateway_sim.report import DeliveryPlan
from sms_gateway_sim.request_log import RequestLog
from sms_gateway_sim.store import MessageStore


class Stats(TypedDict):
    """The /_sim/stats counters, since the last clear (loaded from the store files included)."""

    accepted: int  # messages stored, each job once
    duplicates: int  # requests answered with an earlier job because of a repeated Idempotency-Key
    rejected: int  # requests refused with a Netgsm code (faults not included)
    faults: int  # requests answered by an injected fault
    requests: int  # requests logged
    duplicate_messages: int  # messages in the duplicate requests
    # Messages in every request answered 00, duplicates included: what a real Netgsm, which
    # ignores the key, would have delivered.
    deliveries_without_idempotency: int


@dataclass(frozen=True)
class SimulatorSettings:
    """Credentials the simulator accepts and where it keeps what it receives."""

    usercode: str = "acikkapi"
    password: str = "acikkapi"
    store_path: Path | None = None
    allowed_headers: frozenset[str] | None = None  # None: any header of 1-11 characters
    # How long after acceptance a message's delivery report stops saying 0 (waiting).
    delivery_delay_ms: int = 2000

    @property
    def request_log_path(self) -> Path | None:
        """The raw request log beside the store: messages.jsonl -> messages.requests.jsonl."""
        if self.store_path is None:
            return None
        return self.store_path.with_name(f"{self.store_path.stem}.requests.jsonl")


@dataclass
class SimulatorState:
    """Messages, raw requests, faults and the job counter of one simulator."""

    settings: SimulatorSettings
    store: MessageStore
    requests: RequestLog
    faults: FaultPlan = field(default_factory=FaultPlan)
    delivery: DeliveryPlan = field(default_factory=DeliveryPlan)
    job_numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @classmethod
    def create(cls, settings: SimulatorSettings) -> SimulatorState:
        """Returns the state of a fresh simulator; open() loads the files."""
        return cls(
            settings=settings,
            store=MessageStore(path=settings.store_path),
            requests=RequestLog(path=settings.request_log_path),
            delivery=DeliveryPlan(delay_ms=settings.delivery_delay_ms),
        )

    def open(self) -> None:
        """Loads the stored messages and requests; job ids continue after the last stored one."""
        self.store.open()
        self.requests.open()
        last_job = max((int(m["jobid"]) for m in self.store.messages), default=0)
        self.job_numbers = itertools.count(last_job + 1)

    def close(self) -> None:
        """Closes the files."""
        self.store.close()
        self.requests.close()

    def clear(self) -> None:
        """Forgets messages, idempotency keys, requests and counters; job ids keep increasing."""
        self.store.clear()
        self.requests.clear()

    def stats(self) -> Stats:
        """Returns the /_sim/stats counters."""
        counted = self.requests.counters
        return {
            "accepted": self.store.accepted,
            "duplicates": counted.duplicates,
            "rejected": counted.rejected,
            "faults": counted.faults,
            "requests": counted.requests,
            "duplicate_messages": counted.duplicate_messages,
            "deliveries_without_idempotency": counted.deliveries_without_idempotency,
        }
