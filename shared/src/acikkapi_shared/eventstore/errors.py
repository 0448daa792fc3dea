"""Errors of the event store."""

from __future__ import annotations


class ConcurrencyConflict(Exception):
    """A writer appended with an expected version that is no longer the stream's version."""

    def __init__(self, stream_id: str, expected_version: int, actual_version: int | None = None):
        self.stream_id = stream_id
        self.expected_version = expected_version
        self.actual_version = actual_version
        found = "" if actual_version is None else f", found {actual_version}"
        super().__init__(
            f"stream {stream_id!r} changed concurrently: expected version {expected_version}{found}"
        )
