"""Answers a Netgsm send request: injected fault, refusal, idempotent duplicate or a new job."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sms_gateway_sim.netgsm import (
    ERROR_STATUS,
    INVALID_AUTH,
    SUCCESS,
    NetgsmError,
    SendRequest,
    check_basic_auth,
    error_body,
    parse_send_request,
)
from sms_gateway_sim.request_log import FaultKind, peek_messages
from sms_gateway_sim.state import SimulatorState

IDEMPOTENCY_HEADER = "Idempotency-Key"


@dataclass(frozen=True, slots=True)
class SendAnswer:
    """The answer to one send request; body None means no Netgsm JSON body, status None no answer."""

    status: int | None
    body: dict[str, Any] | None
    fault: FaultKind | None = None


def handle_send(
    state: SimulatorState, headers: Mapping[str, str], raw_body: bytes, now: float, *, can_drop: bool = False
) -> SendAnswer:
    """Returns the answer to one send request, storing its messages when accepted and logging it.

    can_drop: whether the server can drop this request's connection (see FaultPlan.next_fault).
    """
    settings = state.settings
    try:
        check_basic_auth(headers.get("authorization"), settings.usercode, settings.password)
        auth_passed = True
    except NetgsmError:
        auth_passed = False
    try:
        body = json.loads(raw_body)
    except ValueError:
        body = None  # answered below with a parameter error, as JSON null would be
    key = headers.get(IDEMPOTENCY_HEADER) or None
    received_iso = datetime.fromtimestamp(now, UTC).isoformat()
    parsed: SendRequest | None = None
    jobid: str | None = None
    duplicate = False
    fault = state.faults.next_fault(can_drop=can_drop)
    if fault is not None:
        answer = SendAnswer(fault.status, None if fault.code is None else error_body(fault.code), fault.kind)
    else:
        try:
            if not auth_passed:
                raise NetgsmError(INVALID_AUTH)
            parsed = parse_send_request(body, allowed_headers=settings.allowed_headers)
            jobid, duplicate = _accept(state, parsed, key, now, received_iso)
            answer = SendAnswer(200, {"code": SUCCESS, "jobid": jobid, "description": "queued"})
        except NetgsmError as refused:
            answer = SendAnswer(ERROR_STATUS, error_body(refused.code))
    if parsed is not None:
        numbers, message_count = [m.no for m in parsed.messages], len(parsed.messages)
    else:
        numbers, message_count = peek_messages(body)
    state.requests.add(
        received_at=now,
        received_at_iso=received_iso,
        idempotency_key=key,
        auth_passed=auth_passed,
        numbers=numbers,
        message_count=message_count,
        status=answer.status,
        code=None if answer.body is None else answer.body["code"],
        jobid=jobid,
        duplicate=duplicate,
        fault=answer.fault,
        latency_ms=state.faults.latency_ms,
    )
    return answer


def _accept(
    state: SimulatorState, parsed: SendRequest, key: str | None, now: float, received_iso: str
) -> tuple[str, bool]:
    """Returns (job id, whether an idempotent duplicate), storing the messages of a new job."""
    known_job = state.store.job_for(key)
    if known_job is not None:
        return known_job, True
    jobid = f"{next(state.job_numbers):010d}"
    state.store.add(
        [
            {
                "id": f"{jobid}-{index}",
                "jobid": jobid,
                "msgheader": parsed.msgheader,
                "no": message.no,
                "msg": message.msg,
                "encoding": parsed.encoding,
                "iysfilter": parsed.iysfilter,
                "idempotency_key": key,
                "received_at": now,
                "received_at_iso": received_iso,
            }
            for index, message in enumerate(parsed.messages, start=1)
        ]
    )
    return jobid, False
