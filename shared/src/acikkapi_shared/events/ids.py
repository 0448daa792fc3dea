"""Event ids: UUID version 7 (RFC 9562), time-ordered, drawn without a system call each.

Why not uuid4: every event id goes into a unique index of the log (and, as a message key, of each
consumer's tracking table). Random ids land on random pages of those indexes, which stop fitting the
page cache as a log grows; ids that grow with time are appended at the index's end. uuid.uuid4 also
reads os.urandom for every id (a system call), where a generator seeded once from it is enough for
uniqueness: ids identify, they are no secrets.
"""

from __future__ import annotations

import os
import random
import threading
import time
from uuid import UUID

_VERSION_7 = 0x7 << 76
_VARIANT_RFC = 0x2 << 62


class _Generator:
    """Monotonic UUIDv7 within a process: the 12 bits after the millisecond count within it."""

    def __init__(self) -> None:
        self._random = random.Random(os.urandom(32))
        self._lock = threading.Lock()
        self._last_ms = -1
        self._sequence = 0

    def reseed(self) -> None:
        """Draws a new seed (a forked child must not repeat its parent's ids)."""
        self._random = random.Random(os.urandom(32))

    def next(self) -> UUID:
        with self._lock:
            now_ms = time.time_ns() // 1_000_000
            if now_ms > self._last_ms:
                self._last_ms, self._sequence = now_ms, self._random.getrandbits(11)
            else:  # the same millisecond (or the wall clock stepped back): count on
                self._sequence += 1
                if self._sequence > 0xFFF:
                    self._last_ms, self._sequence = self._last_ms + 1, 0
            tail = self._random.getrandbits(62)
            value = (self._last_ms << 80) | _VERSION_7 | (self._sequence << 64) | _VARIANT_RFC | tail
        return UUID(int=value)


_GENERATOR = _Generator()
os.register_at_fork(after_in_child=_GENERATOR.reseed)


def new_event_id() -> UUID:
    """Returns a new event id (UUIDv7: milliseconds since the epoch, then a counter and 62 random
    bits), greater than every id this process drew before."""
    return _GENERATOR.next()
