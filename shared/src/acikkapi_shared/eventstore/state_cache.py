"""Recently folded states, kept between transactions: a stream's events never change, so a state
folded at a version is still its state while the stream stays at that version.

A transaction asks the database only for the versions of the streams it needs; a stream still at the
cached version is not read or decoded again. States enter the cache only after their transaction
committed, so a rolled-back decision is never remembered.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any


class StateCache:
    """The states of the most recently used streams (a stream belongs to one decider)."""

    def __init__(self, capacity: int = 20_000) -> None:
        self._capacity = capacity
        self._states: OrderedDict[str, tuple[str, int, Any]] = OrderedDict()

    def has_version(self, stream_id: str, version: int) -> bool:
        """Returns whether the stream's state is cached at this version."""
        found = self._states.get(stream_id)
        return found is not None and found[1] == version

    def get(self, decider: str, stream_id: str, version: int) -> tuple[bool, Any]:
        """Returns (True, state) when the decider's state of the stream is cached at this version."""
        found = self._states.get(stream_id)
        if found is None or found[0] != decider or found[1] != version:
            return False, None
        self._states.move_to_end(stream_id)
        return True, found[2]

    def put(self, decider: str, stream_id: str, version: int, state: Any) -> None:
        """Remembers a committed state, forgetting the least recently used beyond capacity."""
        self._states[stream_id] = (decider, version, state)
        self._states.move_to_end(stream_id)
        while len(self._states) > self._capacity:
            self._states.popitem(last=False)
