"""A running sequence of backoff delays, for loops that retry the same thing until it passes."""

from __future__ import annotations

from acikkapi_shared.messaging.retry import Backoff


class BackoffSequence:
    """Delays that double from `first` up to `cap`, each jittered (see retry.Backoff); reset on success."""

    def __init__(self, first: float, cap: float) -> None:
        if first <= 0 or cap < first:
            raise ValueError("backoff needs 0 < first <= cap")
        self._policy = Backoff(first=first, most=cap, jitter=0.5)
        self._attempts = 0

    @property
    def attempts(self) -> int:
        """Returns how many delays were handed out since the last reset."""
        return self._attempts

    def next_delay(self) -> float:
        """Returns the next delay in seconds: between half and all of the capped exponential value."""
        self._attempts += 1
        return self._policy.delay(min(self._attempts, 64))

    def reset(self) -> None:
        """Starts again from the first delay (after a success)."""
        self._attempts = 0
