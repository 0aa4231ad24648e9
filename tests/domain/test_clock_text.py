"""Dates and times in words: names, the 12-hour clock, and instants shown in a zone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain import clock_text
from bot.domain.clock_text import (
    WEEKDAY_WORDS,
    clock,
    clock_day,
    clock_range,
    day_month,
    format_clock,
    format_day,
    format_local,
    in_zone,
    long_date,
)

SEOUL = ZoneInfo("Asia/Seoul")


@pytest.mark.parametrize(
    ("wall", "text"),
    [(time(0, 0), "12:00 AM"), (time(0, 5), "12:05 AM"), (time(9, 30), "9:30 AM"),
     (time(12, 0), "12:00 PM"), (time(13, 7), "1:07 PM"), (time(23, 59), "11:59 PM")],
)  # fmt: skip
def test_clock_is_the_12_hour_clock(wall: time, text: str) -> None:
    assert clock(wall) == text


def test_clock_reads_the_wall_time_of_a_datetime() -> None:
    assert clock(datetime(2025, 5, 30, 16, 0, tzinfo=SEOUL)) == "4:00 PM"


def test_clock_range_names_the_half_of_the_day_once_when_it_is_shared() -> None:
    assert clock_range(time(2, 0), time(3, 0)) == "from 2:00 to 3:00 AM"


def test_clock_range_names_both_halves_when_they_differ() -> None:
    assert clock_range(time(23, 30), time(0, 30)) == "from 11:30 PM to 12:30 AM"


def test_day_month() -> None:
    assert day_month(date(2025, 5, 30)) == "30 May"
    assert day_month(date(2025, 5, 30), year=True) == "30 May 2025"


def test_format_day() -> None:
    assert format_day(date(2025, 5, 31)) == "Saturday 31 May"
    assert format_day(date(2025, 5, 31), year=True) == "Saturday 31 May 2025"


def test_long_date() -> None:
    assert long_date(date(2025, 5, 30)) == "Friday, 30 May 2025"


def test_clock_day() -> None:
    assert clock_day(datetime(2025, 5, 31, 0, 0)) == "12:00 AM Saturday"


def test_every_month_and_weekday_is_named_in_english() -> None:
    months = [day_month(date(2025, m, 1)).split()[1] for m in range(1, 13)]
    assert months[0] == "January" and months[8] == "September" and months[11] == "December"
    week = [format_day(date(2025, 5, 26) + timedelta(days=n)).split()[0] for n in range(7)]
    assert week == ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def test_weekday_words_cover_names_and_common_abbreviations() -> None:
    for word, weekday in [("mon", 0), ("tues", 1), ("weds", 2), ("thurs", 3), ("friday", 4)]:
        assert WEEKDAY_WORDS[word] == weekday
    assert {w for w, d in WEEKDAY_WORDS.items() if d == 6} == {"sun", "sunday"}


def test_format_local() -> None:
    instant = datetime(2025, 5, 30, 7, 0, tzinfo=UTC)
    assert format_local(instant, SEOUL) == "4:00 PM Friday, 30 May 2025"


def test_format_local_without_date() -> None:
    instant = datetime(2025, 5, 30, 7, 5, tzinfo=UTC)
    assert format_local(instant, SEOUL, date=False) == "4:05 PM"


def test_format_local_follows_daylight_saving() -> None:
    tz = ZoneInfo("America/New_York")
    assert (
        format_local(datetime(2026, 7, 1, 20, tzinfo=UTC), tz) == "4:00 PM Wednesday, 1 July 2026"
    )
    assert format_local(datetime(2026, 12, 1, 20, tzinfo=UTC), tz) == (
        "3:00 PM Tuesday, 1 December 2026"
    )


def test_format_clock() -> None:
    instant = datetime(2025, 5, 29, 18, 0, tzinfo=UTC)
    assert format_clock(instant, SEOUL) == "3:00 AM Friday"


@pytest.mark.parametrize("show", [format_local, format_clock, in_zone])
def test_instants_must_be_aware(show: Callable[..., object]) -> None:
    with pytest.raises(ValueError):
        show(datetime(2025, 5, 30, 7, 0), SEOUL)


def test_module_exports_are_importable() -> None:
    for name in clock_text.__all__:
        assert hasattr(clock_text, name)


def test_format_clock_with_the_date() -> None:
    instant = datetime(2025, 5, 29, 18, 0, tzinfo=UTC)
    assert format_clock(instant, SEOUL, dated=True) == "3:00 AM Friday 30 May"
    assert format_clock(instant, SEOUL, dated=True, year=True) == "3:00 AM Friday 30 May 2025"
