"""Faults the simulator injects into send answers, set through /_sim/faults.

Lasting modes answer every send until the faults are cleared, outermost layer first: the
provider unreachable (down; with drop_connection the connection is closed unanswered), an HTTP
gateway refusing the caller (unauthorized), then the provider refusing the account
(account_refused). fail_next counts down only when no lasting mode answers. Latency delays
every answer, or the drop, after the request has been handled.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypedDict

from sms_gateway_sim.netgsm import ACCOUNT_REFUSAL_CODES, ERROR_STATUS, SYSTEM_ERROR, UNDEFINED_ERROR
from sms_gateway_sim.request_log import FaultKind

# What a load balancer in front of an unreachable provider answers: no Netgsm body.
DOWN_STATUS = 503
UNAUTHORIZED_STATUS = 401


class FaultSettings(TypedDict):
    """The JSON of GET, POST and DELETE /_sim/faults."""

    fail_next: int
    status: int
    code: str | None
    latency_ms: int
    down: bool
    drop_connection: bool
    unauthorized: bool
    account_refused: str | None


@dataclass(frozen=True, slots=True)
class InjectedFault:
    """The answer a fault gives instead of handling the request.

    status None: no answer at all (the connection is dropped); code None: no Netgsm body.
    """

    kind: FaultKind
    status: int | None
    code: str | None


@dataclass
class FaultPlan:
    """Failures to inject; see the module docstring for their order."""

    fail_next: int = 0
    status: int = 500
    code: str | None = None
    latency_ms: int = 0
    down: bool = False
    drop_connection: bool = False
    unauthorized: bool = False
    account_refused: str | None = None

    def as_dict(self) -> FaultSettings:
        """Returns the plan as JSON."""
        return {
            "fail_next": self.fail_next,
            "status": self.status,
            "code": self.code,
            "latency_ms": self.latency_ms,
            "down": self.down,
            "drop_connection": self.drop_connection,
            "unauthorized": self.unauthorized,
            "account_refused": self.account_refused,
        }

    def next_fault(self, *, can_drop: bool) -> InjectedFault | None:
        """Returns the fault that answers the next send, using up one fail_next; None: no fault.

        can_drop: whether the server can drop this request's connection; when it cannot, a
        drop_connection outage answers 503 like down.
        """
        if self.down:
            if self.drop_connection and can_drop:
                return InjectedFault("drop_connection", None, None)
            return InjectedFault("down", DOWN_STATUS, None)
        if self.unauthorized:
            return InjectedFault("unauthorized", UNAUTHORIZED_STATUS, None)
        if self.account_refused is not None:
            return InjectedFault("account_refused", ERROR_STATUS, self.account_refused)
        if self.fail_next > 0:
            self.fail_next -= 1
            code = self.code or (SYSTEM_ERROR if self.status >= 500 else UNDEFINED_ERROR)
            return InjectedFault("fail_next", self.status, code)
        return None


def parse_faults(body: Any) -> FaultPlan:
    """Returns the fault plan described by a /_sim/faults body; fields not given are off."""
    if not isinstance(body, dict):
        raise ValueError("expected a JSON object")
    unknown = set(body) - set(FaultSettings.__annotations__)
    if unknown:
        raise ValueError(f"unknown fields: {sorted(unknown)}")
    plan = FaultPlan(
        fail_next=int(body.get("fail_next", 0)),
        status=int(body.get("status", 500)),
        code=None if body.get("code") is None else str(body["code"]),
        latency_ms=int(body.get("latency_ms", 0)),
        down=_flag(body, "down"),
        drop_connection=_flag(body, "drop_connection"),
        unauthorized=_flag(body, "unauthorized"),
        account_refused=_account_code(body.get("account_refused")),
    )
    if plan.fail_next < 0 or plan.latency_ms < 0 or not 100 <= plan.status <= 599:
        raise ValueError("fail_next and latency_ms must be >= 0, status an HTTP status")
    if plan.drop_connection and not plan.down:
        raise ValueError("drop_connection says how the provider is down: it needs down: true")
    return plan


def _flag(body: dict[str, Any], name: str) -> bool:
    """Returns a boolean field, refusing anything but true or false (a string "false" is truthy)."""
    value = body.get(name, False)
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be true or false")
    return value


def _account_code(value: Any) -> str | None:
    """Returns the Netgsm code for account_refused, which must be an account-level one."""
    if value is None:
        return None
    code = str(value) if isinstance(value, str | int) and not isinstance(value, bool) else ""
    if code not in ACCOUNT_REFUSAL_CODES:
        raise ValueError(f"account_refused must be one of {sorted(ACCOUNT_REFUSAL_CODES)}")
    return code
