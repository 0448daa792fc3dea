"""Failed tracking-code look-ups, counted per client and per application number.

Numbers are sequential, so the tracking code is all that keeps a timeline private; a guesser is
slowed down by refusing look-ups (HTTP 429) once a client or a number has had too many failures in a
sliding window. Pure: the moment is passed in, nothing is read or written outside the object. The
counts live in the process (each intake instance counts its own; a restart forgets them), bounded in
memory by evicting the least recently failed keys.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class LimitRule:
    """At most max_failures failed look-ups within window; then refused until the oldest ages out."""

    max_failures: int
    window: timedelta


class FailureLimiter:
    """Counts failures per key (`client:<address>`, `number:<application number>`)."""

    def __init__(self, per_client: LimitRule, per_number: LimitRule, *, max_keys: int = 100_000) -> None:
        self._rules = {"client": per_client, "number": per_number}
        self._max_keys = max_keys
        self._failures: OrderedDict[str, deque[datetime]] = OrderedDict()

    def _keys(self, client: str, number: str | None) -> list[tuple[str, LimitRule]]:
        keys = [(f"client:{client}", self._rules["client"])]
        if number is not None:
            keys.append((f"number:{number}", self._rules["number"]))
        return keys

    def _recent(self, key: str, rule: LimitRule, now: datetime) -> deque[datetime]:
        failures = self._failures.get(key, deque())
        while failures and failures[0] <= now - rule.window:
            failures.popleft()
        if not failures:
            self._failures.pop(key, None)
        return failures

    def refused_for(self, client: str, number: str | None, now: datetime) -> timedelta | None:
        """Returns how long look-ups by this client or for this number are refused (None: allowed)."""
        waits = []
        for key, rule in self._keys(client, number):
            failures = self._recent(key, rule, now)
            if len(failures) >= rule.max_failures:
                waits.append(failures[-rule.max_failures] + rule.window - now)
        return max(waits) if waits else None

    def failed(self, client: str, number: str | None, now: datetime) -> None:
        """Records a failed look-up by the client (for the number, when it was one)."""
        for key, rule in self._keys(client, number):
            failures = self._recent(key, rule, now)
            failures.append(now)
            # Only the last max_failures matter for the decision.
            while len(failures) > rule.max_failures:
                failures.popleft()
            self._failures[key] = failures
            self._failures.move_to_end(key)
        while len(self._failures) > self._max_keys:
            self._failures.popitem(last=False)
