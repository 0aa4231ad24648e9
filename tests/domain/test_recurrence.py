"""The recurrence rules: dates on the rule, local wall time across DST, limits."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.domain import recurrence as r
from bot.errors import BadOption, TimeInPast

EARLY = datetime(2026, 1, 1, tzinfo=UTC)
TODAY = date(2026, 1, 1)


def walls(rule: r.Rule, count: int) -> list[datetime]:
    out, wall = [rule.anchor], rule.anchor
    while len(out) < count:
        found, _ = r.next_after(rule, wall, EARLY)
        if found is None:
            break
        out.append(found.wall)
        wall = found.wall
    return out


def test_weekly_keeps_the_wall_time_across_the_us_change() -> None:
    rule = r.make_rule("weekly", datetime(2026, 3, 6, 20), "America/New_York", today=TODAY)
    nxt, _ = r.next_after(rule, rule.anchor, EARLY)
    assert r.first(rule).starts_at == datetime(2026, 3, 7, 1, tzinfo=UTC)
    assert nxt is not None and nxt.starts_at == datetime(2026, 3, 14, 0, tzinfo=UTC)


def test_fortnightly_skips_a_week() -> None:
    rule = r.make_rule("fortnightly", datetime(2026, 1, 2, 20), "UTC", today=TODAY)
    assert walls(rule, 3)[1:] == [datetime(2026, 1, 16, 20), datetime(2026, 1, 30, 20)]


def test_monthly_on_the_first_friday() -> None:
    rule = r.make_rule("monthly_weekday", datetime(2026, 1, 2, 20), "UTC", today=TODAY)
    assert [w.day for w in walls(rule, 3)] == [2, 6, 6]  # Jan, Feb, Mar


def test_monthly_on_the_last_friday() -> None:
    rule = r.make_rule("monthly_last", datetime(2026, 1, 30, 20), "UTC", today=TODAY)
    assert [w.date() for w in walls(rule, 3)] == [
        date(2026, 1, 30),
        date(2026, 2, 27),
        date(2026, 3, 27),
    ]


def test_monthly_last_refuses_a_date_that_is_not_the_last_weekday() -> None:
    with pytest.raises(BadOption, match="isn't the last Friday"):
        r.make_rule("monthly_last", datetime(2026, 1, 23, 20), "UTC", today=TODAY)


def test_the_31st_falls_on_the_last_day_of_a_shorter_month() -> None:
    rule = r.make_rule("monthly_day", datetime(2026, 1, 31, 20), "UTC", today=TODAY)
    assert [w.date() for w in walls(rule, 4)] == [
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
    ]


def test_a_new_clock_time_keeps_the_day_of_the_month() -> None:
    rule = r.make_rule("monthly_day", datetime(2026, 1, 31, 20), "UTC", today=TODAY)
    moved = r.moved_to(rule, datetime(2026, 2, 28, 20), datetime(2026, 2, 28, 21, 30))
    found, _ = r.next_after(moved, datetime(2026, 2, 28, 21, 30), EARLY)
    assert found is not None and found.wall == datetime(2026, 3, 31, 21, 30)


def test_a_new_clock_time_keeps_the_last_weekday() -> None:
    rule = r.make_rule("monthly_weekday", datetime(2026, 1, 30, 20), "UTC", today=TODAY)
    assert rule.nth == -1  # 30 January is the fifth Friday: "the last Friday"
    moved = r.moved_to(rule, datetime(2026, 2, 27, 20), datetime(2026, 2, 27, 21))
    assert moved.nth == -1


def test_a_new_date_re_anchors_the_rule() -> None:
    rule = r.make_rule("weekly", datetime(2026, 1, 2, 20), "UTC", today=TODAY)
    moved = r.moved_to(rule, datetime(2026, 1, 9, 20), datetime(2026, 1, 10, 21))
    found, _ = r.next_after(moved, datetime(2026, 1, 10, 21), EARLY)
    assert found is not None and found.wall == datetime(2026, 1, 17, 21)


def test_times_becomes_the_last_date() -> None:
    rule = r.make_rule("weekly", datetime(2026, 3, 6, 20), "UTC", times=3, today=TODAY)
    assert rule.until == date(2026, 3, 20)
    assert len(walls(rule, 10)) == 3


def test_a_gap_moves_to_the_end_of_the_jump() -> None:
    rule = r.make_rule("weekly", datetime(2026, 3, 1, 2, 30), "America/New_York", today=TODAY)
    nxt, _ = r.next_after(rule, rule.anchor, EARLY)
    assert nxt is not None and nxt.moved
    assert nxt.starts_at == datetime(2026, 3, 8, 7, tzinfo=UTC)


def test_a_repeated_hour_takes_the_first_instant() -> None:
    rule = r.make_rule("weekly", datetime(2026, 10, 25, 1, 30), "America/New_York", today=TODAY)
    nxt, _ = r.next_after(rule, rule.anchor, EARLY)  # 1 November: 1:30 AM happens twice
    assert nxt is not None and nxt.twice and not nxt.moved
    assert nxt.starts_at == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # EDT, the first


def test_dates_already_started_are_skipped_and_counted() -> None:
    rule = r.make_rule("weekly", datetime(2026, 3, 6, 20), "UTC", today=TODAY)
    nxt, skipped = r.next_after(rule, rule.anchor, datetime(2026, 3, 21, tzinfo=UTC))
    assert nxt is not None and nxt.wall == datetime(2026, 3, 27, 20) and skipped == 2


def test_no_date_after_the_last() -> None:
    rule = r.make_rule("weekly", datetime(2026, 3, 6, 20), "UTC", times=2, today=TODAY)
    assert r.next_after(rule, datetime(2026, 3, 13, 20), EARLY) == (None, 0)


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"until": date(2026, 4, 1), "times": 3}, BadOption),
        ({"times": 1}, BadOption),
        ({"times": 101}, BadOption),
        ({"until": date(2025, 12, 31)}, TimeInPast),
        ({"until": date(2026, 3, 1)}, BadOption),
        ({"until": date(2029, 1, 1)}, BadOption),
    ],
)
def test_bad_limits_are_refused(options: dict, error: type[Exception]) -> None:
    with pytest.raises(error):
        r.make_rule("weekly", datetime(2026, 3, 6, 20), "UTC", today=TODAY, **options)


def test_flags_round_trip() -> None:
    text = r.flags_text(frozenset({r.MOVED, r.NO_EVENT}), 2)
    assert r.read_flags(text) == (frozenset({r.MOVED, r.NO_EVENT}), 2)


def test_a_long_announce_delay_still_leaves_the_next_dates_reminders() -> None:
    ends = datetime(2026, 1, 2, 22, tzinfo=UTC)
    due = r.announce_due(
        ends, timedelta(days=7), datetime(2026, 1, 9, 20, tzinfo=UTC), timedelta(days=1)
    )
    assert due == datetime(2026, 1, 8, 20, tzinfo=UTC) - r.ANNOUNCE_AHEAD


def test_a_short_announce_delay_is_kept() -> None:
    ends = datetime(2026, 1, 2, 22, tzinfo=UTC)
    due = r.announce_due(
        ends, timedelta(hours=2), datetime(2026, 1, 9, 20, tzinfo=UTC), timedelta(days=1)
    )
    assert due == ends + timedelta(hours=2)


def test_the_next_is_never_announced_before_the_one_before_ends() -> None:
    ends = datetime(2026, 1, 2, 22, tzinfo=UTC)
    due = r.announce_due(
        ends, timedelta(days=1), datetime(2026, 1, 9, 20, tzinfo=UTC), timedelta(days=7)
    )
    assert due == ends
