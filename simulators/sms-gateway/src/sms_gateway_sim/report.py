"""Netgsm's delivery-report query (POST /sms/rest/v2/report) over the messages the simulator accepted.

The real API (Netgsm REST v2, as its OpenAPI in the official @netgsm/sms client describes it):
HTTP Basic auth, a JSON body `{"jobids": [...], "startdate": "dd.MM.yyyy HH:mm:ss", "stopdate": ...,
"pagenumber": 0, "pagesize": 1..100}` (dates on Turkish time), answered
`{"code": "00", "description": "success", "jobs": [{"jobid", "number", "status", "operator",
"msglen", "deliveredDate", "errorCode", "referansID"}]}`, one row per number of each job; errors are
HTTP 406 with `{"code", "description", "jobs": null}`: 30 credentials, 60 no record matches, 70 a
parameter, 80 more than the allowed queries a minute, 100/110 system error.

Status codes: 0 waiting for the operator's report, 1 delivered, 2 timed out (the handset was not
reached before the message expired), 3 wrong or restricted number, 4 not sent to the operator,
11 refused by the operator, 12 delivery error, 13 duplicate, 14 blacklisted number, 16 refused by
İYS, 17 İYS error.

Every accepted message reports 0 until the delivery delay has passed since it was received, then its
number's planned status (1 unless the plan says otherwise): the plan is read when the report is
asked for, so a test sets it before it sends. A delivered message's `deliveredDate` is when the
handset got it (received + the delay), as a real provider reports it, whenever the query comes;
other statuses give it empty.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypedDict
from zoneinfo import ZoneInfo

from sms_gateway_sim.netgsm import (
    ERROR_STATUS,
    INVALID_AUTH,
    PARAMETER_ERROR,
    SUCCESS,
    NetgsmError,
    check_basic_auth,
    normalise_number,
)
from sms_gateway_sim.store import MessageRecord

if TYPE_CHECKING:
    from sms_gateway_sim.state import SimulatorState

TURKEY = ZoneInfo("Europe/Istanbul")
DATE_FORMAT = "%d.%m.%Y %H:%M:%S"
NO_RECORDS = "60"
PAGE_SIZE_MOST = 100
WAITING = 0
DELIVERED = 1
REPORT_STATUSES = frozenset({0, 1, 2, 3, 4, 11, 12, 13, 14, 16, 17})
REPORT_DESCRIPTIONS = {
    INVALID_AUTH: "invalid usercode or password, or no API access",
    NO_RECORDS: "no records match the query",
    PARAMETER_ERROR: "invalid request: a parameter is wrong or a required field is missing",
}


class DeliverySettings(TypedDict):
    """The JSON of GET, POST and DELETE /_sim/delivery."""

    delay_ms: int
    statuses: dict[str, int]


@dataclass
class DeliveryPlan:
    """When accepted messages count as reported, and what is reported for which number."""

    delay_ms: int = 2000
    statuses: dict[str, int] = field(default_factory=dict)  # 5XXXXXXXXX -> final status

    def as_dict(self) -> DeliverySettings:
        """Returns the plan as /_sim/delivery shows it."""
        return {"delay_ms": self.delay_ms, "statuses": dict(self.statuses)}

    def status_of(self, message: MessageRecord, now: float) -> int:
        """Returns the status a report gives this message now."""
        if now < self.reached_at(message):
            return WAITING
        return self.statuses.get(message["no"], DELIVERED)

    def reached_at(self, message: MessageRecord) -> float:
        """Returns when the message reaches the handset (unix seconds): received + the delay."""
        return message["received_at"] + self.delay_ms / 1000


def parse_delivery(document: Any, default_delay_ms: int) -> DeliveryPlan:
    """Returns the plan of a POST /_sim/delivery body; ValueError for anything else."""
    if not isinstance(document, dict) or set(document) - {"delay_ms", "statuses"}:
        raise ValueError("fields: delay_ms (milliseconds), statuses ({number: status})")
    delay = document.get("delay_ms", default_delay_ms)
    if not isinstance(delay, int) or isinstance(delay, bool) or delay < 0:
        raise ValueError("delay_ms: a whole number of milliseconds, 0 or more")
    statuses: dict[str, int] = {}
    for number, status in dict(document.get("statuses") or {}).items():
        national = normalise_number(str(number))
        if national is None or status not in REPORT_STATUSES - {WAITING}:
            raise ValueError(f"statuses: a mobile number and a final status of {sorted(REPORT_STATUSES)}")
        statuses[national] = status
    return DeliveryPlan(delay_ms=delay, statuses=statuses)


@dataclass(frozen=True, slots=True)
class ReportAnswer:
    """The status and JSON body of one report query."""

    status: int
    body: dict[str, Any]


def _error(code: str) -> ReportAnswer:
    return ReportAnswer(ERROR_STATUS, {"code": code, "description": REPORT_DESCRIPTIONS[code], "jobs": None})


def _moment(text: Any) -> float:
    """Returns unix seconds of a "dd.MM.yyyy HH:mm:ss" date on Turkish time; ValueError otherwise."""
    if not isinstance(text, str):
        raise ValueError("not a date")
    return datetime.strptime(text, DATE_FORMAT).replace(tzinfo=TURKEY).timestamp()


def _row(message: MessageRecord, plan: DeliveryPlan, now: float) -> dict[str, Any]:
    status = plan.status_of(message, now)
    delivered = status == DELIVERED
    # The moment the handset got it, not the moment of the query: a report asked for a minute
    # later still dates the delivery when it happened.
    reached = datetime.fromtimestamp(plan.reached_at(message), TURKEY).strftime(DATE_FORMAT)
    return {
        "jobid": message["jobid"],
        "number": f"90{message['no']}",
        "status": status,
        "operator": 0,
        "msglen": max(1, -(-len(message["msg"]) // 149)),
        "deliveredDate": reached if delivered else "",
        "errorCode": 0,  # the operator's own code: not simulated
        "referansID": message["id"],
    }


def handle_report(
    authorization: str | None, raw_body: bytes, state: SimulatorState, now: float
) -> ReportAnswer:
    """Returns the answer to one report query over the state's accepted messages."""
    try:
        check_basic_auth(authorization, state.settings.usercode, state.settings.password)
    except NetgsmError:
        return _error(INVALID_AUTH)
    try:
        body = json.loads(raw_body)
    except ValueError:
        return _error(PARAMETER_ERROR)
    return answer_report(body, state.store.messages, state.delivery, now)


def answer_report(body: Any, messages: list[MessageRecord], plan: DeliveryPlan, now: float) -> ReportAnswer:
    """Returns the answer to a report query body (credentials already checked)."""
    if not isinstance(body, Mapping):
        return _error(PARAMETER_ERROR)
    jobids = body.get("jobids")
    page, size = body.get("pagenumber", 0), body.get("pagesize", PAGE_SIZE_MOST)
    try:
        start, stop = _moment(body.get("startdate")), _moment(body.get("stopdate"))
    except ValueError:
        return _error(PARAMETER_ERROR)
    if jobids is not None and not isinstance(jobids, list):
        return _error(PARAMETER_ERROR)
    wanted = None if jobids is None else {str(jobid) for jobid in jobids}
    if not isinstance(page, int) or not isinstance(size, int):
        return _error(PARAMETER_ERROR)
    if page < 0 or not 1 <= size <= PAGE_SIZE_MOST or start > stop:
        return _error(PARAMETER_ERROR)
    selected = [
        message
        for message in messages
        if (wanted is None or message["jobid"] in wanted) and start <= message["received_at"] <= stop + 1
    ]
    rows = [_row(message, plan, now) for message in selected]
    rows = rows[page * size : (page + 1) * size]
    if not rows:
        return _error(NO_RECORDS)
    return ReportAnswer(200, {"code": SUCCESS, "description": "success", "jobs": rows})
