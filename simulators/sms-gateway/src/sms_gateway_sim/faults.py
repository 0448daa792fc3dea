"""Faults the simulator injects into send answers, set through /_sim/faults."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sms_gateway_sim.netgsm import SYSTEM_ERROR, UNDEFINED_ERROR
from sms_gateway_sim.request_log import FaultKind


@dataclass(frozen=True, slots=True)
class InjectedFault:
    """The answer a fault gives instead of handling the request; code None means no Netgsm body."""

    kind: FaultKind
    status: int
    code: str | None


@dataclass
class FaultPlan:
    """Failures to inject: the next fail_next sends answer status (with a Netgsm code if 406)."""

    fail_next: int = 0
    status: int = 500
    code: str | None = None
    latency_ms: int = 0

    def as_dict(self) -> dict[str, Any]:
        """Returns the plan as JSON."""
        return {
            "fail_next": self.fail_next,
            "status": self.status,
            "code": self.code,
            "latency_ms": self.latency_ms,
        }

    def next_fault(self) -> InjectedFault | None:
        """Returns the fault that answers the next send, using up one fail_next; None: no fault."""
        if self.fail_next > 0:
            self.fail_next -= 1
            code = self.code or (SYSTEM_ERROR if self.status >= 500 else UNDEFINED_ERROR)
            return InjectedFault("fail_next", self.status, code)
        return None


def parse_faults(body: Any) -> FaultPlan:
    """Returns the fault plan described by a /_sim/faults body."""
    if not isinstance(body, dict):
        raise ValueError("expected a JSON object")
    unknown = set(body) - {"fail_next", "status", "code", "latency_ms"}
    if unknown:
        raise ValueError(f"unknown fields: {sorted(unknown)}")
    plan = FaultPlan(
        fail_next=int(body.get("fail_next", 0)),
        status=int(body.get("status", 500)),
        code=None if body.get("code") is None else str(body["code"]),
        latency_ms=int(body.get("latency_ms", 0)),
    )
    if plan.fail_next < 0 or plan.latency_ms < 0 or not 100 <= plan.status <= 599:
        raise ValueError("fail_next and latency_ms must be >= 0, status an HTTP status")
    return plan
