"""Open311's servicerequestupdates over real HTTP, polled as a client does, with advancing windows:
every update once, by the moment intake recorded it; a desk entry back-dated to its receipt too."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

from acikkapi_shared.testing.case_events import information_requested
from acikkapi_shared.testing.in_process import UpstreamCase

ENTERED = datetime(2026, 12, 7, 16, 6, tzinfo=UTC)  # 7 Aralık 2026, 19:06 in Istanbul
RECEIVED = "2026-11-25T10:00:00+03:00"  # the day the applicant came, twelve days before
FEED = "/open311/v2/servicerequestupdates.json"


async def enter_back_dated(served: Any) -> str:
    """Enters at the desk, at ENTERED, an application received on RECEIVED; returns its number."""
    body = {
        "channel": "DESK",
        "applicant": {"name": "Ayşe Yılmaz", "phone": "0532 123 45 67"},
        "topic": "YEREL_YONETIMLER",
        "type": "SIKAYET",
        "district": "MERKEZ",
        "text": "Yusufpaşa Mahallesi'nde iki gündür içme suyu kesik, belediyeyi aradık, kimse ilgilenmiyor.",
        "received_at": RECEIVED,
    }
    headers = {"Authorization": f"Bearer {served.staff.issue_token('ayse')}", "Idempotency-Key": "desk-1"}
    answer = await served.client.post("/api/v1/desk/applications", json=body, headers=headers)
    assert answer.status_code == 201, answer.text
    number: str = answer.json()["application_number"]
    return number


async def updates(served: Any, start: str, end: str) -> list[tuple[str, str]]:
    answer = await served.client.get(FEED, params={"start_date": start, "end_date": end})
    assert answer.status_code == 200, answer.text
    return [(u["external_status_code"], u["updated_datetime"]) for u in answer.json()]


async def test_a_back_dated_desk_entry_is_seen_registered_once_by_a_client_polling_forward(
    served_intake: Any,
) -> None:
    served_intake.clock.set(ENTERED)
    number = await enter_back_dated(served_intake)
    served_intake.clock.advance(timedelta(minutes=1))  # the router routes it a minute later
    case = UpstreamCase(number, ENTERED - timedelta(minutes=59))  # its event dated 19:07
    received = datetime.fromisoformat(RECEIVED)
    steps = information_requested(number, "BELEDIYE_KARS", received_at=received, due_at=ENTERED, question="?")
    _router, routing = steps[0]  # the case routed to the municipality
    topic = served_intake.runtime.settings.topics.events_of("router")
    event = case.event("router", routing)
    await served_intake.runtime.processor.process([served_intake.feed.event(topic, event)])
    registered = ("REGISTERED", RECEIVED)  # dated the day of receipt, as on the applicant's timeline
    routed = ("ROUTED", "2026-12-07T19:07:00+03:00")
    # The window over the entry shows both; the day of receipt shows nothing: it was not known then.
    assert await updates(served_intake, "2026-12-07T19:00:00+03:00", "2026-12-07T20:00:00+03:00") == [
        registered,
        routed,
    ]
    assert await updates(served_intake, "2026-11-25T00:00:00+03:00", "2026-11-26T00:00:00+03:00") == []
    # Polled forward, each window starting where the last ended (19:06:00 sharp: the entry's moment),
    # every update is seen once.
    windows = ["2026-12-07T18:00:00+03:00", "2026-12-07T19:06:00+03:00", "2026-12-07T21:00:00+03:00"]
    polled = [await updates(served_intake, start, end) for start, end in pairwise(windows)]
    assert polled == [[], [registered, routed]]
