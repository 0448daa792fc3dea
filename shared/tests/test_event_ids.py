"""Event ids: UUIDv7, distinct, and increasing within a process."""

from __future__ import annotations

import itertools
import time
from uuid import UUID

from acikkapi_shared.events.ids import new_event_id


def test_an_event_id_is_a_version_7_uuid_of_the_current_millisecond() -> None:
    before = time.time_ns() // 1_000_000
    event_id = new_event_id()
    after = time.time_ns() // 1_000_000
    assert event_id.version == 7 and event_id.variant == "specified in RFC 4122"
    assert before <= event_id.int >> 80 <= after + 1  # +1: a counter that overflowed in the millisecond
    assert UUID(str(event_id)) == event_id


def test_event_ids_are_distinct_and_increasing_even_within_one_millisecond() -> None:
    ids = [new_event_id() for _ in range(20_000)]  # thousands share a millisecond
    assert len(set(ids)) == len(ids)
    assert all(earlier.int < later.int for earlier, later in itertools.pairwise(ids))
    assert sorted(str(i) for i in ids) == [str(i) for i in ids]  # their text sorts as they were drawn
