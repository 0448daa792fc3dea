"""Capped exponential backoff with jitter, for loops that retry the same thing until it passes."""

from __future__ import annotations

import random


class Backoff:
    """Delays that double from `first` up to `cap`; each is jittered so restarted peers do not align."""

    def __init__(self, first: float, cap: float) -> None:
        if first <= 0 or cap < first:
            raise ValueError("backoff needs 0 < first <= cap")
        self._first = first
        self._cap = cap
        self._attempts = 0

    @property
    def attempts(self) -> int:
        """Returns how many delays were handed out since the last reset."""
        return self._attempts

    def next_delay(self) -> float:
        """Returns the next delay in seconds: between half and all of the capped exponential value."""
        ceiling = min(self._cap, self._first * 2 ** min(self._attempts, 32))
        self._attempts += 1
        return random.uniform(ceiling / 2, ceiling)

    def reset(self) -> None:
        """Starts again from the first delay (after a success)."""
        self._attempts = 0
