"""Quiet hours: the part of the night in which a non-urgent SMS is held, in the office's time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

ISTANBUL = ZoneInfo("Europe/Istanbul")


@dataclass(frozen=True)
class QuietHours:
    """From start to end on the wall clock of zone, across midnight when start is after end; equal
    start and end mean no quiet hours at all."""

    start: time = time(22, 0)
    end: time = time(8, 0)
    zone: ZoneInfo = ISTANBUL

    @classmethod
    def parse(cls, start: str, end: str, zone: str = "Europe/Istanbul") -> QuietHours:
        """Returns the quiet hours of "HH:MM" texts (ValueError for anything else)."""
        return cls(start=time.fromisoformat(start), end=time.fromisoformat(end), zone=ZoneInfo(zone))

    def ends_after(self, moment: datetime) -> datetime | None:
        """Returns when the quiet hours moment falls in end (in the zone), or None outside them."""
        if self.start == self.end:
            return None
        local = moment.astimezone(self.zone)
        clock = local.time()
        day = local.date()
        if self.start > self.end:  # across midnight: 22:00-08:00
            if clock >= self.start:
                day += timedelta(days=1)
            elif clock >= self.end:
                return None
        elif not self.start <= clock < self.end:
            return None
        return datetime.combine(day, self.end, tzinfo=self.zone)
