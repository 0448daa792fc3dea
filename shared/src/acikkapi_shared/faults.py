"""Named crash points: a test makes a service kill itself (SIGKILL) exactly inside a crash window.

ACIKKAPI_CRASH_AT=<point>[:<n>] makes the n-th pass (default the first) through that point kill the
process, as a power cut there would. Unset, a crash point costs one dictionary look-up. It exists so
the reliability tests can prove they hit each window instead of hoping a timed kill lands in one.
"""

from __future__ import annotations

import os
import signal
import sys

# The windows the tests cover: after the database commit and before the Kafka offset commit; after
# the effects are flushed and before the transaction commits; after the broker acknowledged a
# publish and before the relay's position is stored; after the SMS provider accepted and before
# the outcome is recorded.
POINTS = frozenset(
    {
        "consumer.after_commit_before_offsets",
        "processor.before_commit",
        "relay.after_publish_before_position",
        "notifier.after_provider_before_outcome",
    }
)


def _planned() -> tuple[str, int] | None:
    value = os.environ.get("ACIKKAPI_CRASH_AT", "")
    if not value:
        return None
    point, _, count = value.partition(":")
    if point not in POINTS:
        raise ValueError(f"ACIKKAPI_CRASH_AT names no crash point: {point!r} (known: {sorted(POINTS)})")
    return point, int(count or 1)


_PLAN = _planned()
_passes: dict[str, int] = {}


def crash_point(point: str) -> None:
    """Kills this process here if ACIKKAPI_CRASH_AT says so (tests only)."""
    if _PLAN is None or _PLAN[0] != point:
        return
    _passes[point] = _passes.get(point, 0) + 1
    if _passes[point] >= _PLAN[1]:
        print(f"crash point {point} reached: SIGKILL", file=sys.stderr, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
