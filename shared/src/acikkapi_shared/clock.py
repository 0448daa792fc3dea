"""The injected clock: nothing in the project reads the wall clock directly."""

from __future__ import annotations

import asyncio
import math
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Tells the current moment as an aware UTC datetime."""

    def now(self) -> datetime: ...


async def sleep_until(clock: Clock, moment: datetime, *, poll: float = 0.005) -> None:
    """Returns once the clock has reached moment, looking at it every poll seconds at most (a manual
    or fast clock does not move at the wall clock's pace, so it is watched, not computed)."""
    while True:
        left = (moment - clock.now()).total_seconds()
        if left <= 0:
            return
        await asyncio.sleep(min(left, poll))


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


class ShiftedClock:
    """A clock ahead of (or behind) the wall clock by an offset, optionally running faster: for demos.

    now = epoch + offset + (real time since epoch) × rate. The epoch is the real moment the shifted
    time starts from (the same for every service of a stack, so they agree; default: construction).
    The real time elapsed is measured with a monotonic counter from construction on, so the clock never
    goes backwards, whatever the wall clock does.
    """

    def __init__(
        self,
        *,
        offset: timedelta = timedelta(0),
        rate: float = 1.0,
        epoch: datetime | None = None,
        wall: Clock | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if not rate > 0 or math.isinf(rate):
            raise ValueError(f"the clock rate must be a positive number, got {rate}")
        if epoch is not None and epoch.tzinfo is None:
            raise ValueError("the clock epoch needs an offset or a time zone")
        started = (wall or SystemClock()).now()
        self._epoch = (epoch or started).astimezone(UTC)
        self._offset = offset
        self._rate = rate
        self._monotonic = monotonic
        self._started_real = started - self._epoch  # real time from the epoch to construction
        self._started_counter = monotonic()
        self._last = self._at(self._started_real)

    def _at(self, real_since_epoch: timedelta) -> datetime:
        return self._epoch + self._offset + real_since_epoch * self._rate

    def now(self) -> datetime:
        """Returns the shifted moment; never earlier than one returned before."""
        elapsed = max(0.0, self._monotonic() - self._started_counter)
        moment = self._at(self._started_real + timedelta(seconds=elapsed))
        self._last = max(self._last, moment)
        return self._last


_COMPACT = re.compile(r"(\d+(?:\.\d+)?)([wdhms])")
_COMPACT_WHOLE = re.compile(r"(?:\d+(?:\.\d+)?[wdhms])+")
_ISO = re.compile(
    r"P(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?"
    r"(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?"
)
_UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes", "s": "seconds"}


def parse_offset(text: str) -> timedelta:
    """Returns a clock offset written as "+3d", "-2h30m", "1w" or an ISO 8601 duration ("P3DT4H",
    "-PT90M"); years and months are refused (their length depends on the date)."""
    raw = text.strip()
    sign = -1 if raw.startswith("-") else 1
    body = raw[1:] if raw[:1] in "+-" else raw
    if not body:
        return timedelta(0)
    if _COMPACT_WHOLE.fullmatch(body):
        parts = {_UNITS[unit]: float(amount) for amount, unit in _COMPACT.findall(body)}
        return sign * timedelta(**parts)
    iso = _ISO.fullmatch(body.upper())
    if iso and body.upper() not in ("P", "PT") and not body.upper().endswith("T"):
        parts = {_UNITS[key]: float(value) for key, value in iso.groupdict().items() if value}
        return sign * timedelta(**parts)
    raise ValueError(
        f"clock offset {text!r}: write it as +3d, -2h30m, 1w or an ISO 8601 duration such as P3DT4H"
    )


def configured_clock(offset: str = "", rate: float = 1.0, epoch: str = "") -> Clock:
    """Returns the wall clock, or a shifted one when an offset or a rate other than 1 is configured
    (ACIKKAPI_CLOCK_OFFSET, ACIKKAPI_CLOCK_RATE, ACIKKAPI_CLOCK_EPOCH: see settings)."""
    shift = parse_offset(offset)
    if not shift and rate == 1.0:
        return SystemClock()
    start = datetime.fromisoformat(epoch) if epoch.strip() else None
    return ShiftedClock(offset=shift, rate=rate, epoch=start)
