"""Dates as a Turkish reader writes them: `5 Haziran 2026 Cuma`, in Istanbul time."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

ISTANBUL = ZoneInfo("Europe/Istanbul")

MONTHS_TR = (
    "Ocak",
    "Şubat",
    "Mart",
    "Nisan",
    "Mayıs",
    "Haziran",
    "Temmuz",
    "Ağustos",
    "Eylül",
    "Ekim",
    "Kasım",
    "Aralık",
)
WEEKDAYS_TR = ("Pazartesi", "Salı", "Çarşamba", "Perşembe", "Cuma", "Cumartesi", "Pazar")


def long_date(moment: datetime) -> str:
    """Returns the day of the moment in Istanbul, e.g. `5 Haziran 2026 Cuma`."""
    local = moment.astimezone(ISTANBUL)
    return f"{local.day} {MONTHS_TR[local.month - 1]} {local.year} {WEEKDAYS_TR[local.weekday()]}"


def long_date_time(moment: datetime) -> str:
    """Returns the day and the time of the moment in Istanbul, e.g. `5 Haziran 2026 Cuma, 14:05`."""
    local = moment.astimezone(ISTANBUL)
    return f"{long_date(local)}, {local:%H:%M}"
