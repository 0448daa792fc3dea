"""The injected clock: nothing in the project reads the wall clock directly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Tells the current moment as an aware UTC datetime."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real wall clock."""

    def now(self) -> datetime:
        """Returns the current moment in UTC."""
        return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to: for tests and demos."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        """Returns the clock's current moment."""
        return self._now

    def advance(self, delta: timedelta) -> None:
        """Moves the clock forward by delta."""
        self._now += delta

    def set(self, moment: datetime) -> None:
        """Moves the clock to moment."""
        self._now = moment.astimezone(UTC)
