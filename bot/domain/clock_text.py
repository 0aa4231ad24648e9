"""Dates and times in words: weekday and month names, the 12-hour clock, and weekday words typed.

The one place that spells them. Pure and locale-free: never ``strftime``, whose names follow the
host's C locale. Instants are only ever shown in a zone the caller names: a naive datetime is
refused rather than read in the host's zone.
"""

from __future__ import annotations

from datetime import date, datetime, time, tzinfo

__all__ = [
    "MONTHS",
    "WEEKDAYS",
    "WEEKDAY_WORDS",
    "clock",
    "clock_day",
    "clock_range",
    "day_month",
    "format_clock",
    "format_day",
    "format_local",
    "in_zone",
    "long_date",
]

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip

# What people type for a weekday (lower case) -> date.weekday().
WEEKDAY_WORDS = {
    "mon": 0, "monday": 0, "tue": 1, "tues": 1, "tuesday": 1, "wed": 2, "weds": 2,
    "wednesday": 2, "thu": 3, "thur": 3, "thurs": 3, "thursday": 3, "fri": 4, "friday": 4,
    "sat": 5, "saturday": 5, "sun": 6, "sunday": 6,
}  # fmt: skip


def clock(wall: time | datetime) -> str:
    """'4:00 PM' (midnight is '12:00 AM', noon '12:00 PM')."""
    hour = wall.hour % 12 or 12
    return f"{hour}:{wall.minute:02d} {'AM' if wall.hour < 12 else 'PM'}"


def clock_range(start: time | datetime, end: time | datetime) -> str:
    """'from 2:00 to 3:00 AM', or 'from 11:30 PM to 12:30 AM' when the half of the day changes."""
    a, b = clock(start), clock(end)
    if a[-2:] == b[-2:]:
        a = a[:-3]
    return f"from {a} to {b}"


def day_month(day: date, *, year: bool = False) -> str:
    """'30 May' (or '30 May 2025')."""
    text = f"{day.day} {MONTHS[day.month - 1]}"
    return f"{text} {day.year}" if year else text


def format_day(day: date, *, year: bool = False) -> str:
    """'Saturday 31 May' (or 'Saturday 31 May 2025')."""
    return f"{WEEKDAYS[day.weekday()]} {day_month(day, year=year)}"


def long_date(day: date) -> str:
    """'Friday, 30 May 2025'."""
    return f"{WEEKDAYS[day.weekday()]}, {day_month(day, year=True)}"


def in_zone(instant: datetime, tz: tzinfo) -> datetime:
    """``instant`` on the wall clock of ``tz``; refuses a naive datetime."""
    if instant.tzinfo is None:
        # A naive datetime would silently be read in the host's zone.
        raise ValueError("an aware datetime is required")
    return instant.astimezone(tz)


def format_local(instant: datetime, tz: tzinfo, *, date: bool = True) -> str:
    """'4:00 PM Friday, 30 May 2025' in ``tz`` (or just '4:00 PM' with ``date=False``)."""
    local = in_zone(instant, tz)
    return f"{clock(local)} {long_date(local.date())}" if date else clock(local)


def clock_day(wall: datetime) -> str:
    """'3:00 AM Friday'."""
    return f"{clock(wall)} {WEEKDAYS[wall.weekday()]}"


def format_clock(instant: datetime, tz: tzinfo, *, dated: bool = False, year: bool = False) -> str:
    """'3:00 AM Friday': the wall clock and weekday in ``tz`` (``dated``: '3:00 AM Friday 30
    May', with ``year`` '3:00 AM Friday 30 May 2025')."""
    local = in_zone(instant, tz)
    return f"{clock(local)} {format_day(local.date(), year=year)}" if dated else clock_day(local)
