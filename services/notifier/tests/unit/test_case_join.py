"""The notifier decides on the "registered" SMS once it knows contact and deadline, in any order, once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from acikkapi_shared.events.envelope import EventEnvelope
from notifier.domain.case import CONTACT_RECORDED, DEADLINE_RECORDED, evolve, fold, sms_to_request

NOW = datetime(2026, 5, 22, 11, 0, tzinfo=UTC)
NUMBER = "2026-000001-N"


def event(kind: str, payload: dict[str, object], version: int) -> EventEnvelope:
    return EventEnvelope(
        event_id=uuid.uuid4(),
        service="notifier",
        stream_id=NUMBER,
        stream_version=version,
        position=version,
        type=kind,
        schema_version=1,
        occurred_at=NOW,
        recorded_at=NOW,
        correlation_id=NUMBER,
        causation_id=None,
        payload=payload,
    )


CONTACT = {"phone": "+905321234567", "tracking_code": "K7QX-9M2D-WR4T"}
DEADLINE = {"institution": "BELEDIYE_KARS", "due_at": "2026-06-05T23:59:59+03:00"}


def test_no_sms_until_both_contact_and_deadline_are_known() -> None:
    assert sms_to_request(fold(NUMBER, [event(CONTACT_RECORDED, CONTACT, 1)])) is None
    assert sms_to_request(fold(NUMBER, [event(DEADLINE_RECORDED, DEADLINE, 1)])) is None


def test_either_order_gives_the_same_sms() -> None:
    one = sms_to_request(
        fold(NUMBER, [event(CONTACT_RECORDED, CONTACT, 1), event(DEADLINE_RECORDED, DEADLINE, 2)])
    )
    two = sms_to_request(
        fold(NUMBER, [event(DEADLINE_RECORDED, DEADLINE, 1), event(CONTACT_RECORDED, CONTACT, 2)])
    )
    assert one is not None and one == two
    assert one.phone == "+905321234567" and NUMBER in one.text and "05.06.2026" in one.text
    assert "Kars Belediyesi" in one.text and one.segments <= 2


def test_the_registered_sms_is_requested_only_once() -> None:
    state = fold(NUMBER, [event(CONTACT_RECORDED, CONTACT, 1), event(DEADLINE_RECORDED, DEADLINE, 2)])
    request = sms_to_request(state)
    assert request is not None
    after = evolve(state, event(request.TYPE, request.to_payload(), 3))
    assert sms_to_request(after) is None
