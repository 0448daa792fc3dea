"""Turkish business days 2025-2027: package holidays, bayrams, arife, closures, year ends."""

from __future__ import annotations

from datetime import date

import pytest

from sla_monitor.domain.calendar import BusinessCalendar, CalendarSettings, turkish_holidays

DEFAULT = BusinessCalendar()
HALF_DAYS_OFF = BusinessCalendar(CalendarSettings(half_days_are_business_days=False))

# Days off confirmed by Diyanet and the official calendar, with the package's Turkish names.
EXPECTED_HOLIDAYS = {
    2025: {
        "Yılbaşı": ["2025-01-01"],
        "Ramazan Bayramı": ["2025-03-30", "2025-03-31", "2025-04-01"],
        "Ulusal Egemenlik ve Çocuk Bayramı": ["2025-04-23"],
        "Emek ve Dayanışma Günü": ["2025-05-01"],
        "Atatürk'ü Anma, Gençlik ve Spor Bayramı": ["2025-05-19"],
        "Kurban Bayramı": ["2025-06-06", "2025-06-07", "2025-06-08", "2025-06-09"],
        "Demokrasi ve Millî Birlik Günü": ["2025-07-15"],
        "Zafer Bayramı": ["2025-08-30"],
        "Cumhuriyet Bayramı": ["2025-10-29"],
    },
    2026: {
        "Yılbaşı": ["2026-01-01"],
        "Ramazan Bayramı": ["2026-03-20", "2026-03-21", "2026-03-22"],
        "Ulusal Egemenlik ve Çocuk Bayramı": ["2026-04-23"],
        "Emek ve Dayanışma Günü": ["2026-05-01"],
        "Atatürk'ü Anma, Gençlik ve Spor Bayramı": ["2026-05-19"],
        "Kurban Bayramı": ["2026-05-27", "2026-05-28", "2026-05-29", "2026-05-30"],
        "Demokrasi ve Millî Birlik Günü": ["2026-07-15"],
        "Zafer Bayramı": ["2026-08-30"],
        "Cumhuriyet Bayramı": ["2026-10-29"],
    },
    2027: {
        "Yılbaşı": ["2027-01-01"],
        "Ramazan Bayramı": ["2027-03-09", "2027-03-10", "2027-03-11"],
        "Ulusal Egemenlik ve Çocuk Bayramı": ["2027-04-23"],
        "Emek ve Dayanışma Günü": ["2027-05-01"],
        "Atatürk'ü Anma, Gençlik ve Spor Bayramı": ["2027-05-19"],
        "Kurban Bayramı": ["2027-05-16", "2027-05-17", "2027-05-18", "2027-05-19"],
        "Demokrasi ve Millî Birlik Günü": ["2027-07-15"],
        "Zafer Bayramı": ["2027-08-30"],
        "Cumhuriyet Bayramı": ["2027-10-29"],
    },
}
ARIFE_AND_28_EKIM = {
    2025: ["2025-03-29", "2025-06-05", "2025-10-28"],
    2026: ["2026-03-19", "2026-05-26", "2026-10-28"],
    2027: ["2027-03-08", "2027-05-15", "2027-10-28"],
}


def d(text: str) -> date:
    return date.fromisoformat(text)


@pytest.mark.parametrize("year", sorted(EXPECTED_HOLIDAYS))
def test_package_gives_exactly_the_official_days_off_with_turkish_names(year: int) -> None:
    table = turkish_holidays(year)
    expected_days = {d(day) for days in EXPECTED_HOLIDAYS[year].values() for day in days}
    assert set(table) == expected_days
    for name, days in EXPECTED_HOLIDAYS[year].items():
        for day in days:
            assert name in table[d(day)], (day, table[d(day)])


@pytest.mark.parametrize("year", sorted(ARIFE_AND_28_EKIM))
def test_half_days_are_listed_only_when_asked_for(year: int) -> None:
    half_days = {d(day) for day in ARIFE_AND_28_EKIM[year]}
    assert not half_days & set(turkish_holidays(year))
    with_half_days = turkish_holidays(year, include_half_days=True)
    assert set(with_half_days) - set(turkish_holidays(year)) == half_days
    assert all("13.00" in with_half_days[day] for day in half_days)


@pytest.mark.parametrize(
    "weekday_holiday",
    ["2025-03-31", "2025-06-06", "2025-07-15", "2026-03-20", "2026-05-27", "2026-07-15",
     "2026-10-29", "2027-01-01", "2027-03-09", "2027-05-19", "2027-07-15", "2027-08-30"],
)  # fmt: skip
def test_weekday_holidays_are_not_business_days(weekday_holiday: str) -> None:
    day = d(weekday_holiday)
    assert day.weekday() < 5
    assert not DEFAULT.is_business_day(day)


@pytest.mark.parametrize("half_day", ["2025-06-05", "2026-03-19", "2026-05-26", "2026-10-28"])
def test_arife_and_28_ekim_are_business_days_unless_configured_off(half_day: str) -> None:
    assert DEFAULT.is_business_day(d(half_day))
    assert not HALF_DAYS_OFF.is_business_day(d(half_day))


def test_weekends_are_never_business_days() -> None:
    assert not DEFAULT.is_business_day(d("2026-03-14"))  # Saturday
    assert not DEFAULT.is_business_day(d("2026-03-15"))  # Sunday
    assert DEFAULT.is_business_day(d("2026-03-16"))  # Monday


def test_closures_from_configuration_are_days_off() -> None:
    idari_izin = BusinessCalendar(CalendarSettings(closures=frozenset({d("2026-03-19")})))
    assert not idari_izin.is_business_day(d("2026-03-19"))
    assert idari_izin.is_business_day(d("2026-03-18"))
    assert idari_izin.add_business_days(d("2026-03-17"), 7) == d("2026-03-30")


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        ("2026-03-17", "2026-03-27"),  # checked: Ramazan Bayramı 2026 on Friday, arife worked
        ("2026-05-22", "2026-06-05"),  # checked: Kurban Bayramı 2026, arife worked
        ("2026-12-28", "2027-01-07"),  # checked: year end, 1 Ocak 2027 on Friday
        ("2025-03-28", "2025-04-10"),  # Ramazan Bayramı 2025 (Sun-Tue)
        ("2025-06-04", "2025-06-17"),  # Kurban Bayramı 2025 (Fri-Mon), arife Thursday worked
        ("2025-07-14", "2025-07-24"),  # 15 Temmuz 2025 on Tuesday
        ("2025-12-31", "2026-01-12"),  # year end 2025
        ("2026-10-27", "2026-11-06"),  # 28 Ekim half day worked, 29 Ekim off
        ("2027-03-05", "2027-03-19"),  # Ramazan Bayramı 2027, arife Monday worked
        ("2027-05-14", "2027-05-28"),  # Kurban Bayramı 2027 overlapping 19 Mayıs
        ("2027-12-30", "2028-01-10"),  # year end 2027
    ],
)
def test_seven_business_days_after_a_day(start: str, expected: str) -> None:
    assert DEFAULT.add_business_days(d(start), 7) == d(expected)


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        ("2026-03-17", "2026-03-30"),
        ("2025-06-04", "2025-06-18"),
        ("2026-10-27", "2026-11-09"),
        ("2027-03-05", "2027-03-22"),
    ],
)
def test_half_days_off_push_deadlines_across_arife(start: str, expected: str) -> None:
    assert HALF_DAYS_OFF.add_business_days(d(start), 7) == d(expected)


@pytest.mark.parametrize("start", ["2026-03-13", "2026-03-14", "2026-03-15"])  # Friday, Saturday, Sunday
def test_weekend_start_counts_from_the_next_business_day(start: str) -> None:
    assert DEFAULT.add_business_days(d(start), 7) == d("2026-03-25")


@pytest.mark.parametrize("start", ["2026-03-19", "2026-03-20", "2026-03-21", "2026-03-22"])
def test_holiday_start_counts_from_the_next_business_day(start: str) -> None:
    assert DEFAULT.add_business_days(d(start), 7) == d("2026-03-31")


def test_zero_days_is_the_start_and_negative_days_are_rejected() -> None:
    assert DEFAULT.add_business_days(d("2026-03-21"), 0) == d("2026-03-21")
    with pytest.raises(ValueError, match="negative"):
        DEFAULT.add_business_days(d("2026-03-17"), -1)
