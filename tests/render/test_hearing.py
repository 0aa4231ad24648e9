"""Replies about reminders and lead times, and change notices: each clock reads as the member's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain.hearing import Change, ReminderState
from bot.domain.parties import Party
from bot.domain.pings import ZoneGroup
from bot.render import LATE_NOTE
from bot.render import hearing as view

WAS = datetime(2025, 5, 20, 14, 0, tzinfo=UTC)  # Tuesday
NOW_AT = datetime(2025, 5, 21, 0, 0, tzinfo=UTC)  # Wednesday
PARTY = Party(7, 1, 2, 3, "", NOW_AT, None, "UTC", "", (), film_title="Our *Film*")
MOVED = Change(WAS, "", "Our *Film*", False)


def test_a_moved_line_shows_the_old_and_new_clock_in_the_members_zone() -> None:
    line = ZoneGroup("America/New_York", NOW_AT, (5,))
    assert view.change_label(line, MOVED) == (
        "Was 10:00 AM Tuesday, now 8:00 PM Tuesday your time (America/New_York)"
    )


def test_a_line_without_a_zone_reads_utc_and_says_how_to_set_one() -> None:
    assert view.change_label(ZoneGroup(None, NOW_AT, (5,)), MOVED) == (
        "Was 2:00 PM Tuesday 20 May, now 12:00 AM Wednesday 21 May UTC (no time zone set: "
        "`/timezone set`)"
    )


def test_a_film_change_at_the_same_time_says_still() -> None:
    same = Change(NOW_AT, "dune", None, False)
    assert view.change_label(ZoneGroup("Asia/Seoul", NOW_AT, (5,)), same) == (
        "Still 9:00 AM Wednesday your time (Asia/Seoul)"
    )


def test_a_cancellation_says_when_it_would_have_been() -> None:
    gone = Change(WAS, "", "Our *Film*", True)
    assert view.change_label(ZoneGroup("Europe/London", WAS, (5,)), gone) == (
        "It would have been 3:00 PM Tuesday your time (Europe/London)"
    )


def test_headers_escape_the_titles() -> None:
    refilmed = Change(NOW_AT, "dune", None, False)
    assert view.change_header(PARTY, "Our *Film*", "Dune", refilmed) == (
        r"🎬 Watch party #7 now shows **Our \*Film\*** instead of **Dune**."
    )
    assert view.change_header(PARTY, "Our *Film*", "Our *Film*", MOVED) == (
        r"🕒 The **Our \*Film\*** watch party (#7) has a new time."
    )


def test_a_late_notice_ends_with_the_one_late_note() -> None:
    line = ZoneGroup("Asia/Seoul", NOW_AT, (5,))
    assert view.change_dm("header", line, MOVED, 2, late=True).endswith(LATE_NOTE)
    [(content, ids)] = view.change_pings("header", (line,), MOVED, late=True)
    assert content.startswith("header" + LATE_NOTE) and ids == (5,)


H, TEN = timedelta(hours=1), timedelta(minutes=10)


def test_reminder_state_names_the_lead_times_left() -> None:
    on = view.reminders_state(ReminderState(7, True, True, (H, TEN), (H, TEN)))
    assert on == "🔔 Reminders on for watch party #7: 1h, 10m before it starts."


def test_reminders_on_with_every_lead_time_passed_says_so() -> None:
    passed = view.reminders_state(ReminderState(7, True, False, (), (H, TEN)))
    assert passed.endswith("it starts too soon: its reminder times (1h, 10m) have all passed.")
    own = view.reminders_state(ReminderState(7, True, False, (), (H,), own=True))
    assert own.endswith("it starts too soon: your lead times (1h) have all passed.")


def test_reminders_on_for_a_party_without_reminders_points_to_own_lead_times() -> None:
    none = view.reminders_state(ReminderState(7, True, True, (), ()))
    assert "but it has no reminders" in none and "`/watchparty remind-me` sets" in none


def test_reminders_on_after_choosing_no_lead_times_says_how_to_undo_it() -> None:
    off = view.reminders_state(ReminderState(7, True, True, (), (), own=True))
    assert "you chose no lead times" in off and "remind-me leads:default" in off


def test_reminders_off_for_a_maybe_promise_no_start_ping() -> None:
    off = view.reminders_state(ReminderState(7, False, False, ()))
    assert "moves or is cancelled." in off and "when it starts" not in off


def test_a_notice_that_would_mention_no_one_posts_nothing_in_the_channel() -> None:
    assert view.change_pings("header", (), MOVED, late=False) == []


def test_a_move_to_another_day_shows_both_dates() -> None:
    week_later = ZoneGroup("Europe/London", WAS + timedelta(days=7), (5,))
    assert view.change_label(week_later, MOVED) == (
        "Was 3:00 PM Tuesday 20 May, now 3:00 PM Tuesday 27 May your time (Europe/London)"
    )


def test_a_move_into_another_year_shows_the_years() -> None:
    year_later = ZoneGroup("Europe/London", WAS + timedelta(days=364), (5,))
    assert view.change_label(year_later, MOVED) == (
        "Was 3:00 PM Tuesday 20 May 2025, now 3:00 PM Tuesday 19 May 2026 your time (Europe/London)"
    )
