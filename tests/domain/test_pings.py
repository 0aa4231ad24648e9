"""Members grouped by the clock they read: the one model behind every kind of ping. Pure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain.pings import LineKey, ZoneGroup, group, line_key, without

START = datetime(2025, 5, 30, 12, 0, tzinfo=UTC)
NY, LONDON, SEOUL = "America/New_York", "Europe/London", "Asia/Seoul"


def at_start(zone: str | None) -> LineKey:
    return (zone, START, False, False)


def test_members_are_grouped_by_zone_earliest_clock_first_no_zone_last() -> None:
    members = {1: SEOUL, 2: None, 3: NY, 4: SEOUL, 5: LONDON}
    assert group((at_start(zone), uid) for uid, zone in members.items()) == (
        ZoneGroup(NY, START, (3,)),
        ZoneGroup(LONDON, START, (5,)),
        ZoneGroup(SEOUL, START, (1, 4)),
        ZoneGroup(None, START, (2,)),
    )


def test_grouping_follows_daylight_saving_at_the_instant() -> None:
    winter = datetime(2025, 1, 10, 12, 0, tzinfo=UTC)
    # In January London is UTC+0 and Lisbon UTC+0 too: same offset, ordered by name.
    members = {1: "Europe/Lisbon", 2: LONDON, 3: "Europe/Paris"}
    groups = group(((zone, winter, False, False), uid) for uid, zone in members.items())
    assert [g.zone_key for g in groups] == ["Europe/Lisbon", LONDON, "Europe/Paris"]


def test_members_of_one_line_are_sorted_and_named_once() -> None:
    groups = group([(at_start(NY), 5), (at_start(NY), 2), (at_start(NY), 5)])
    assert groups == (ZoneGroup(NY, START, (2, 5)),)


def test_held_and_assumed_clocks_are_lines_of_their_own() -> None:
    groups = group(
        [((SEOUL, START, False, False), 1), ((SEOUL, START, True, False), 2)]
        + [((SEOUL, START, False, True), 3)]
    )
    assert sorted((g.user_ids, g.delayed, g.assumed_zone) for g in groups) == [
        ((1,), False, False),
        ((2,), True, False),
        ((3,), False, True),
    ]


def test_an_earlier_instant_reads_first_whatever_the_zone() -> None:
    earlier = START - timedelta(hours=5)  # e.g. a ping held by quiet hours since then
    groups = group(
        [
            ((None, earlier, False, False), 1),
            (at_start(SEOUL), 2),
            (at_start(NY), 3),
            ((SEOUL, earlier, True, False), 4),
        ]
    )
    assert [g.user_ids for g in groups] == [(4,), (3,), (2,), (1,)]


def test_nobody_makes_no_groups() -> None:
    assert group([]) == ()


def test_a_member_without_a_zone_reads_the_servers_said_so() -> None:
    assert line_key(None, SEOUL, START) == (SEOUL, START, False, True)


def test_a_members_own_zone_wins_over_the_servers() -> None:
    assert line_key(NY, SEOUL, START) == (NY, START, False, False)


def test_no_zone_anywhere_reads_utc() -> None:
    assert line_key(None, None, START) == (None, START, False, False)


def test_without_drops_members_who_left_and_empty_groups() -> None:
    groups = (ZoneGroup(NY, START, (1, 2)), ZoneGroup(SEOUL, START, (3,), delayed=True))
    assert without(groups, {2, 3}) == (ZoneGroup(NY, START, (1,)),)
    assert without(groups, set()) is groups
