"""Parsing times people type, durations, reminders and quiet hours."""

from __future__ import annotations

import os
import time as host_clock
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

import pytest

from bot.domain.when import (
    OFF_WORDS,
    ParsedWhen,
    format_duration,
    in_quiet_window,
    is_off,
    parse_duration,
    parse_quiet_window,
    parse_reminders,
    parse_when,
)
from bot.errors import BadOption, BadTime, TimeInPast, UnknownZone

# Saturday 21 November 2026: 21:00 in Seoul, 07:00 in New York, 04:00 in Los Angeles.
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
SEOUL = ZoneInfo("Asia/Seoul")
NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")


def when(
    text: str, tz: tzinfo | None = SEOUL, *, now: datetime = NOW, **kwargs: timedelta
) -> ParsedWhen:
    key = getattr(tz, "key", None)
    return parse_when(text, tz=tz, tz_key=key, now=now, **kwargs)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- absolute forms --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "2027-05-30 21:00",
        "2027-05-30T21:00",
        "2027-05-30 9pm",
        "30/05/2027 21:00",
        "05/30/2027 21:00",
        "30.05.2027 21:00",
        "30 May 2027 21:00",
        "May 30 2027 9pm",
        "the 30th of May 2027 at 9pm",
        "30/05/27 21:00",
    ],
)
def test_full_dates(text: str) -> None:
    assert when(text).instant == utc(2027, 5, 30, 12, 0)


def test_result_is_aware_utc_with_local_time_in_the_zone() -> None:
    parsed = when("2027-05-30 21:00")
    assert parsed.instant.tzinfo is UTC
    assert parsed.local == datetime(2027, 5, 30, 21, 0, tzinfo=SEOUL)
    assert parsed.zone_key == "Asia/Seoul"
    assert parsed.notes == ()


def test_ambiguous_numeric_date_is_refused() -> None:
    with pytest.raises(BadTime, match="can't tell whether '05/06/2027' is 5 June or May 6"):
        when("05/06/2027 21:00")


def test_numeric_date_with_equal_day_and_month_is_fine() -> None:
    assert when("06/06/2027 21:00").local.date().isoformat() == "2027-06-06"


def test_impossible_numeric_date_is_refused() -> None:
    with pytest.raises(BadTime, match="isn't a real date"):
        when("31/02/2027 21:00")


@pytest.mark.parametrize("text", ["May 30 9pm", "30 May 21:00", "30/05 21:00"])
def test_date_without_year_that_has_passed_means_next_year(text: str) -> None:
    parsed = when(text)
    assert parsed.instant == utc(2027, 5, 30, 12, 0)
    assert parsed.notes == ("30 May has passed this year, so I used Sunday 30 May 2027.",)


def test_date_without_year_still_ahead_stays_this_year() -> None:
    assert when("Dec 24 8pm").local == datetime(2026, 12, 24, 20, 0, tzinfo=SEOUL)


def test_today_with_a_passed_time_is_in_the_past_not_next_year() -> None:
    with pytest.raises(TimeInPast):
        when("21 Nov 9am")


def test_february_29_without_year_uses_the_next_leap_year() -> None:
    with pytest.raises(BadTime, match="too far ahead"):
        when("29 feb 9pm")


def test_weekday_that_contradicts_the_date_is_refused() -> None:
    with pytest.raises(BadTime, match="Sunday 30 May 2027 is a Sunday, not a Friday"):
        when("fri 30 May 2027 9pm")


def test_weekday_matching_the_date_is_fine() -> None:
    assert when("sun 30 May 2027 9pm").instant == utc(2027, 5, 30, 12, 0)


# --- relative days ---------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["tomorrow 8pm", "tomorrow at 8pm", "8pm tomorrow", "tmrw 20:00"])
def test_tomorrow(text: str) -> None:
    assert when(text).local == datetime(2026, 11, 22, 20, 0, tzinfo=SEOUL)


def test_today() -> None:
    assert when("today 23:00").local == datetime(2026, 11, 21, 23, 0, tzinfo=SEOUL)


def test_today_with_a_passed_time_is_refused() -> None:
    with pytest.raises(TimeInPast):
        when("today 9am")


@pytest.mark.parametrize("text", ["tonight 9pm", "tonight 9", "tonight at 9:00", "tonight 21:00"])
def test_tonight_is_the_evening(text: str) -> None:
    assert when(text, NEW_YORK).local == datetime(2026, 11, 21, 21, 0, tzinfo=NEW_YORK)


def test_tonight_after_midnight_is_early_tomorrow() -> None:
    parsed = when("tonight 1am", NEW_YORK)
    assert parsed.local == datetime(2026, 11, 22, 1, 0, tzinfo=NEW_YORK)
    assert parsed.notes == ("I read that as early Sunday 22 November, after midnight.",)


def test_two_day_words_are_refused() -> None:
    with pytest.raises(BadTime, match="one day"):
        when("today tomorrow 8pm")


# --- weekdays --------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["fri 20:30", "friday 8:30pm", "Fri 8.30pm", "this fri 20:30"])
def test_weekday_means_the_coming_one(text: str) -> None:
    assert when(text).local == datetime(2026, 11, 27, 20, 30, tzinfo=SEOUL)


def test_weekday_today_with_time_still_ahead_is_today() -> None:
    parsed = when("sat 8pm", NEW_YORK)
    assert parsed.local == datetime(2026, 11, 21, 20, 0, tzinfo=NEW_YORK)
    assert parsed.notes == ()


def test_weekday_today_with_time_passed_is_next_week() -> None:
    parsed = when("sat 6am", NEW_YORK)
    assert parsed.local == datetime(2026, 11, 28, 6, 0, tzinfo=NEW_YORK)
    assert parsed.notes == (
        "6:00 AM has passed today, so I used Saturday 28 November, a week from today.",
    )


def test_next_weekday_is_a_week_after_the_coming_one() -> None:
    parsed = when("next friday 8pm")
    assert parsed.local == datetime(2026, 12, 4, 20, 0, tzinfo=SEOUL)
    assert parsed.notes == (
        "'next Friday' is Friday 4 December, a week after the coming Friday (27 November). "
        "For that one, write `fri`.",
    )


def test_next_weekday_when_today_is_that_day() -> None:
    assert when("next sat 8pm", NEW_YORK).local == datetime(2026, 11, 28, 20, 0, tzinfo=NEW_YORK)


def test_weekday_across_the_end_of_daylight_saving_london() -> None:
    thursday = utc(2026, 10, 22, 12, 0)  # BST; clocks go back on Sunday 25 October
    assert when("mon 9am", LONDON, now=thursday).instant == utc(2026, 10, 26, 9, 0)


def test_weekday_across_the_end_of_daylight_saving_new_york() -> None:
    friday = utc(2026, 10, 30, 12, 0)  # EDT; clocks go back on Sunday 1 November
    assert when("sun 8pm", NEW_YORK, now=friday).instant == utc(2026, 11, 2, 1, 0)


def test_next_weekday_across_daylight_saving() -> None:
    thursday = utc(2026, 10, 22, 12, 0)
    assert when("next fri 8pm", LONDON, now=thursday).instant == utc(2026, 10, 30, 20, 0)


def test_weekday_across_the_start_of_daylight_saving() -> None:
    friday = utc(2026, 3, 6, 12, 0)  # EST; clocks go forward on Sunday 8 March
    assert when("mon 9am", NEW_YORK, now=friday).instant == utc(2026, 3, 9, 13, 0)


# --- bare times, noon and midnight -----------------------------------------------------------


def test_bare_time_ahead_today() -> None:
    parsed = when("20:30", NEW_YORK)
    assert parsed.local == datetime(2026, 11, 21, 20, 30, tzinfo=NEW_YORK)
    assert parsed.notes == ()


def test_bare_time_that_has_passed_means_tomorrow_with_a_note() -> None:
    parsed = when("20:30")
    assert parsed.local == datetime(2026, 11, 22, 20, 30, tzinfo=SEOUL)
    assert parsed.notes == ("8:30 PM has passed today, so I used tomorrow, Sunday 22 November.",)


def test_bare_time_equal_to_now_means_tomorrow() -> None:
    assert when("21:00").local.day == 22


@pytest.mark.parametrize("text", ["8pm", "8 pm", "8PM", "20:00", "8:00 p.m.", "20.00"])
def test_clock_spellings(text: str) -> None:
    assert when(text, NEW_YORK).local == datetime(2026, 11, 21, 20, 0, tzinfo=NEW_YORK)


def test_lone_number_is_an_hour_on_the_24_hour_clock() -> None:
    parsed = when("at 9", NEW_YORK)
    assert parsed.local == datetime(2026, 11, 21, 9, 0, tzinfo=NEW_YORK)
    assert parsed.notes == (
        "I read '9' as 9:00 on the 24-hour clock. Write `9pm` for the evening.",
    )


def test_lone_number_after_a_day_word() -> None:
    assert when("tomorrow 18").local == datetime(2026, 11, 22, 18, 0, tzinfo=SEOUL)


def test_noon() -> None:
    assert when("noon", NEW_YORK).local == datetime(2026, 11, 21, 12, 0, tzinfo=NEW_YORK)


def test_noon_that_has_passed_means_tomorrow() -> None:
    assert when("noon").local == datetime(2026, 11, 22, 12, 0, tzinfo=SEOUL)


def test_noon_tomorrow() -> None:
    assert when("noon tomorrow").local == datetime(2026, 11, 22, 12, 0, tzinfo=SEOUL)


def test_midnight_is_the_coming_one() -> None:
    parsed = when("midnight")
    assert parsed.local == datetime(2026, 11, 22, 0, 0, tzinfo=SEOUL)
    assert parsed.notes == ()


def test_midnight_with_a_day_is_the_end_of_that_day() -> None:
    parsed = when("fri midnight")
    assert parsed.local == datetime(2026, 11, 28, 0, 0, tzinfo=SEOUL)
    assert parsed.notes == (
        "I read midnight as the end of Friday 27 November (12:00 AM Saturday).",
    )


def test_noon_and_a_clock_time_together_are_refused() -> None:
    with pytest.raises(BadTime, match="one time"):
        when("noon 8pm")


# --- "in N units" ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "delta"),
    [("in 2 hours", timedelta(hours=2)), ("in 90 minutes", timedelta(minutes=90)),
     ("in 1h30m", timedelta(minutes=90)), ("in an hour", timedelta(hours=1)),
     ("in 10 min", timedelta(minutes=10)), ("IN 2 DAYS", timedelta(days=2))],
)  # fmt: skip
def test_relative(text: str, delta: timedelta) -> None:
    assert when(text).instant == NOW + delta


def test_relative_needs_no_zone() -> None:
    parsed = when("in 2 hours", None)
    assert parsed.instant == NOW + timedelta(hours=2)
    assert parsed.zone_key == "UTC"


def test_relative_is_shown_in_the_users_zone() -> None:
    parsed = when("in 2 hours")
    assert parsed.local == datetime(2026, 11, 21, 23, 0, tzinfo=SEOUL)
    assert parsed.zone_key == "Asia/Seoul"


def test_relative_with_a_bad_duration() -> None:
    with pytest.raises(BadTime, match="in 2 fortnights"):
        when("in 2 fortnights")


def test_relative_too_far_ahead() -> None:
    with pytest.raises(BadTime, match="too far ahead"):
        when("in 400 days")


# --- zones in the text -----------------------------------------------------------------------


def test_abbreviation_in_text_overrides_the_users_zone() -> None:
    parsed = when("fri 9pm KST", NEW_YORK)
    assert parsed.instant == utc(2026, 11, 27, 12, 0)
    assert parsed.zone_key == "Asia/Seoul"
    assert parsed.notes == (
        "Using Asia/Seoul from your message.",
        "KST → Asia/Seoul (Korea Standard Time)",
    )


def test_zone_in_text_works_without_a_user_zone() -> None:
    assert when("fri 9pm KST", None).instant == utc(2026, 11, 27, 12, 0)


def test_same_zone_as_the_user_adds_no_override_note() -> None:
    assert when("fri 21:00 Asia/Seoul").notes == ()


def test_pacific_time_phrase() -> None:
    parsed = when("12:00 am Pacific Time")
    assert parsed.instant == utc(2026, 11, 22, 8, 0)
    assert parsed.zone_key == "America/Los_Angeles"
    assert any(note.startswith("Pacific Time → America/Los_Angeles") for note in parsed.notes)


def test_iana_zone_in_text() -> None:
    assert when("tomorrow 21:00 Asia/Seoul", NEW_YORK).instant == utc(2026, 11, 22, 12, 0)


def test_city_in_text() -> None:
    assert when("tomorrow 8pm in Los Angeles", SEOUL).instant == utc(2026, 11, 23, 4, 0)


@pytest.mark.parametrize(
    "text", ["tomorrow 8pm UTC+9", "tomorrow 8pm GMT+9", "tomorrow 8pm +09:00"]
)
def test_offsets_in_text_have_the_human_sign(text: str) -> None:
    parsed = when(text, NEW_YORK)
    assert parsed.instant == utc(2026, 11, 22, 11, 0)
    assert parsed.zone_key == "UTC+09:00"


def test_etc_gmt_in_text_has_the_posix_sign() -> None:
    assert when("tomorrow 8pm Etc/GMT-9", NEW_YORK).instant == utc(2026, 11, 22, 11, 0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2027-05-30T21:00+09:00", utc(2027, 5, 30, 12, 0)),
     ("2027-05-30T21:00Z", utc(2027, 5, 30, 21, 0)),
     ("2027-05-30 21:00 UTC", utc(2027, 5, 30, 21, 0))],
)  # fmt: skip
def test_iso_offsets(text: str, expected: datetime) -> None:
    assert when(text, NEW_YORK).instant == expected


def test_unusable_zone_in_text() -> None:
    with pytest.raises(UnknownZone, match="out of range"):
        when("fri 9pm UTC+15")


def test_no_zone_known_asks_the_user_to_set_one() -> None:
    with pytest.raises(BadOption, match="/timezone set"):
        when("fri 8pm", None)


# --- refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["blah", "fri 8pm blah", "tomorrow 8pm later"])
def test_unreadable_text_is_refused_not_dropped(text: str) -> None:
    with pytest.raises(BadTime, match="couldn't read"):
        when(text)


def test_unreadable_message_names_the_bad_part_as_typed() -> None:
    with pytest.raises(BadTime) as error:
        when("9pm Blah")
    assert str(error.value) == (
        "I couldn't read 'Blah' as a time. Try `2026-11-22 21:00`, `fri 8pm` or `in 2 hours`."
    )


@pytest.mark.parametrize("text", ["tomorrow", "fri", "30 May", "", "   "])
def test_a_time_is_required(text: str) -> None:
    with pytest.raises(BadTime):
        when(text)


def test_month_without_day_is_refused() -> None:
    with pytest.raises(BadTime, match="Add the day"):
        when("May 9pm")


def test_past_instant_is_refused_showing_what_was_understood() -> None:
    with pytest.raises(TimeInPast) as error:
        when("2025-05-30 21:00")
    assert str(error.value) == (
        "9:00 PM Friday, 30 May 2025 (Asia/Seoul) has already passed. Pick a time in the future."
    )


def test_more_than_a_year_ahead_is_refused() -> None:
    with pytest.raises(BadTime, match="too far ahead: I can schedule up to 366 days ahead"):
        when("2028-05-30 21:00")


def test_max_ahead_is_configurable() -> None:
    with pytest.raises(BadTime, match="up to 7 days"):
        when("2026-12-24 21:00", max_ahead=timedelta(days=7))


def test_now_must_be_aware() -> None:
    with pytest.raises(ValueError):
        parse_when("fri 8pm", tz=SEOUL, tz_key="Asia/Seoul", now=datetime(2026, 11, 21))


# --- daylight saving -------------------------------------------------------------------------

EARLY_2026 = utc(2026, 2, 1, 12, 0)


def test_gap_new_york() -> None:
    with pytest.raises(BadTime, match=r"doesn't exist in America/New_York .* Try 3:00 AM\."):
        when("2026-03-08 02:30", NEW_YORK, now=EARLY_2026)


def test_gap_london() -> None:
    with pytest.raises(BadTime, match=r"doesn't exist in Europe/London .* Try 2:00 AM\."):
        when("2026-03-29 01:30", LONDON, now=EARLY_2026)


def test_overlap_new_york_takes_the_first() -> None:
    parsed = when("2026-11-01 01:30", NEW_YORK, now=EARLY_2026)
    assert parsed.instant == utc(2026, 11, 1, 5, 30)
    assert any("happens twice" in note for note in parsed.notes)


def test_overlap_london_takes_the_first() -> None:
    parsed = when("2026-10-25 01:30", LONDON, now=EARLY_2026)
    assert parsed.instant == utc(2026, 10, 25, 0, 30)
    assert any("I used the first one (BST" in note for note in parsed.notes)


def test_gap_lord_howe() -> None:
    with pytest.raises(BadTime, match=r"Try 2:30 AM\."):
        when("2026-10-04 02:15", ZoneInfo("Australia/Lord_Howe"), now=EARLY_2026)


# --- host time zone independence ------------------------------------------------------------


@pytest.fixture
def host_zone() -> Iterator[None]:
    saved = os.environ.get("TZ")
    yield
    if saved is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = saved
    host_clock.tzset()


HOST_CASES = ["tomorrow 8pm", "fri 9pm HST", "2027-05-30 21:00", "20:30", "9pm EST", "noon"]


@pytest.mark.parametrize("host", ["Pacific/Kiritimati", "America/Adak", "Asia/Seoul"])
def test_results_do_not_depend_on_the_host_zone(host: str, host_zone: None) -> None:
    os.environ["TZ"] = "UTC"
    host_clock.tzset()
    expected = [when(text, NEW_YORK) for text in HOST_CASES]
    os.environ["TZ"] = host
    host_clock.tzset()
    assert [when(text, NEW_YORK) for text in HOST_CASES] == expected


# --- durations -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1h", timedelta(hours=1)),
        ("90m", timedelta(minutes=90)),
        ("1d", timedelta(days=1)),
        ("1h30m", timedelta(minutes=90)),
        ("1h30", timedelta(minutes=90)),
        ("1h 30m", timedelta(minutes=90)),
        ("2 hours", timedelta(hours=2)),
        ("10 min", timedelta(minutes=10)),
        ("1 hour and 30 minutes", timedelta(minutes=90)),
        ("1.5h", timedelta(minutes=90)),
        ("an hour", timedelta(hours=1)),
        ("half an hour", timedelta(minutes=30)),
        ("2w", timedelta(weeks=2)),
        ("1 DAY", timedelta(days=1)),
    ],
)
def test_parse_duration(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "Give me a duration"), ("90", "Add a unit"), ("1x", "couldn't read"),
     ("1h1h", "twice"), ("0m", "longer than zero"), ("99999999999d", "too long"),
     ("1 month", "couldn't read")],
)  # fmt: skip
def test_parse_duration_errors(text: str, message: str) -> None:
    with pytest.raises(BadOption, match=message):
        parse_duration(text)


@pytest.mark.parametrize(
    ("amount", "text"),
    [(timedelta(minutes=90), "1h 30m"), (timedelta(days=1), "1 day"),
     (timedelta(days=2, hours=3), "2 days 3h"), (timedelta(minutes=45), "45m"),
     (timedelta(0), "0m"), (timedelta(hours=2), "2h"), (timedelta(days=366), "366 days"),
     (timedelta(days=1, minutes=5), "1 day 5m"), (timedelta(seconds=89), "1m"),
     (timedelta(minutes=-10), "-10m")],
)  # fmt: skip
def test_format_duration(amount: timedelta, text: str) -> None:
    assert format_duration(amount) == text


# --- reminders -------------------------------------------------------------------------------


def test_reminders_sorted_longest_first() -> None:
    assert parse_reminders("10m,1d,1h") == (
        timedelta(days=1),
        timedelta(hours=1),
        timedelta(minutes=10),
    )


def test_reminders_deduplicated() -> None:
    assert parse_reminders("1h, 60m, 1 hour") == (timedelta(hours=1),)


def test_reminders_separated_by_spaces() -> None:
    assert parse_reminders("1d 1h") == (timedelta(days=1), timedelta(hours=1))


def test_reminder_with_a_spaced_unit_is_one_entry() -> None:
    assert parse_reminders("2 hours, 10 minutes") == (timedelta(hours=2), timedelta(minutes=10))


def test_compact_reminder_is_one_entry() -> None:
    assert parse_reminders("1h30m") == (timedelta(minutes=90),)


@pytest.mark.parametrize("text", ["", "  ", *sorted(OFF_WORDS)])
def test_no_reminders(text: str) -> None:
    assert parse_reminders(text) == ()


@pytest.mark.parametrize("text", ["31d", "0.5m", "1d,45d"])
def test_reminders_out_of_range(text: str) -> None:
    with pytest.raises(BadOption, match="1 minute to 30 days"):
        parse_reminders(text)


def test_at_most_five_reminders() -> None:
    with pytest.raises(BadOption, match="at most 5"):
        parse_reminders("1d,12h,6h,1h,30m,10m")


def test_five_reminders_are_fine() -> None:
    assert len(parse_reminders("1d,12h,6h,1h,10m")) == 5


def test_reminder_errors_name_the_bad_entry() -> None:
    with pytest.raises(BadOption, match="soon"):
        parse_reminders("1h,soon")


def test_thirty_days_and_one_minute_are_allowed() -> None:
    assert parse_reminders("30d,1m") == (timedelta(days=30), timedelta(minutes=1))


# --- quiet hours -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "window"),
    [
        ("23:00-08:00", (time(23, 0), time(8, 0))),
        ("23:00 - 08:00", (time(23, 0), time(8, 0))),
        ("23:00\u201308:00", (time(23, 0), time(8, 0))),
        ("11pm-8am", (time(23, 0), time(8, 0))),
        ("11 pm to 8 am", (time(23, 0), time(8, 0))),
        ("12am-6:30am", (time(0, 0), time(6, 30))),
        ("9-17", (time(9, 0), time(17, 0))),
        ("22:30-24:00", (time(22, 30), time(0, 0))),
        ("midnight-noon", (time(0, 0), time(12, 0))),
        ("2300-0800", (time(23, 0), time(8, 0))),
    ],
)
def test_parse_quiet_window(text: str, window: tuple[time, time]) -> None:
    assert parse_quiet_window(text) == window


@pytest.mark.parametrize(
    ("text", "message"),
    [("23:00-23:00", "different start and end"), ("25:00-08:00", "isn't a time of day"),
     ("13pm-8am", "12-hour"), ("later", "23:00-08:00"), ("23:00", "23:00-08:00"),
     ("soon-8am", "couldn't read 'soon'")],
)  # fmt: skip
def test_parse_quiet_window_errors(text: str, message: str) -> None:
    with pytest.raises(BadOption, match=message):
        parse_quiet_window(text)


WRAPPING = (time(23, 0), time(8, 0))
DAYTIME = (time(9, 0), time(17, 0))


def test_inside_a_wrapping_window_before_midnight() -> None:
    local = datetime(2026, 11, 21, 23, 30, tzinfo=NEW_YORK)
    assert in_quiet_window(local, WRAPPING) == datetime(2026, 11, 22, 8, 0, tzinfo=NEW_YORK)


def test_inside_a_wrapping_window_after_midnight() -> None:
    local = datetime(2026, 11, 22, 3, 0, tzinfo=NEW_YORK)
    assert in_quiet_window(local, WRAPPING) == datetime(2026, 11, 22, 8, 0, tzinfo=NEW_YORK)


def test_outside_a_wrapping_window() -> None:
    assert in_quiet_window(datetime(2026, 11, 21, 12, 0, tzinfo=NEW_YORK), WRAPPING) is None


def test_window_start_is_inside_and_end_is_outside() -> None:
    assert in_quiet_window(datetime(2026, 11, 21, 23, 0, tzinfo=NEW_YORK), WRAPPING) is not None
    assert in_quiet_window(datetime(2026, 11, 22, 8, 0, tzinfo=NEW_YORK), WRAPPING) is None


def test_inside_a_daytime_window() -> None:
    local = datetime(2026, 11, 21, 10, 0, tzinfo=NEW_YORK)
    assert in_quiet_window(local, DAYTIME) == datetime(2026, 11, 21, 17, 0, tzinfo=NEW_YORK)


def test_outside_a_daytime_window() -> None:
    assert in_quiet_window(datetime(2026, 11, 21, 18, 0, tzinfo=NEW_YORK), DAYTIME) is None


def test_window_ending_in_a_dst_gap_ends_when_the_clocks_jump() -> None:
    local = datetime(2026, 3, 8, 1, 0, tzinfo=NEW_YORK)
    end = in_quiet_window(local, (time(23, 0), time(2, 30)))
    assert end is not None
    assert end.astimezone(UTC) == utc(2026, 3, 8, 7, 0)


def test_quiet_window_needs_an_aware_time() -> None:
    with pytest.raises(ValueError):
        in_quiet_window(datetime(2026, 11, 21, 23, 30), WRAPPING)


def test_zone_in_brackets() -> None:
    assert when("fri 9pm (KST)", NEW_YORK).zone_key == "Asia/Seoul"


def test_misspelt_iana_zone_in_text_gets_suggestions() -> None:
    with pytest.raises(UnknownZone, match="Did you mean `Asia/Seoul`"):
        when("tomorrow 8pm Asia/Seol")


# --- "off" -----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["off", "OFF", " Off ", "none", "no", "clear", "0"])
def test_off_words_mean_none(text: str) -> None:
    assert is_off(text)


@pytest.mark.parametrize("text", ["", "offline", "1h", "23:00-08:00", "not now"])
def test_other_text_is_not_off(text: str) -> None:
    assert not is_off(text)
