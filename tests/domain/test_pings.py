"""Members grouped by the clock they read: the one model behind every kind of ping. Pure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain.pings import ZoneGroup, gather, group_by_zone, without

START = datetime(2025, 5, 30, 12, 0, tzinfo=UTC)
NY, LONDON, SEOUL = "America/New_York", "Europe/London", "Asia/Seoul"


def test_members_are_grouped_by_zone_earliest_clock_first_no_zone_last() -> None:
    members = {1: SEOUL, 2: None, 3: NY, 4: SEOUL, 5: LONDON}
    assert group_by_zone(START, members) == (
        ZoneGroup(NY, START, (3,)),
        ZoneGroup(LONDON, START, (5,)),
        ZoneGroup(SEOUL, START, (1, 4)),
        ZoneGroup(None, START, (2,)),
    )


def test_grouping_follows_daylight_saving_at_the_instant() -> None:
    winter = datetime(2025, 1, 10, 12, 0, tzinfo=UTC)
    # In January London is UTC+0 and Lisbon UTC+0 too: same offset, ordered by name.
    groups = group_by_zone(winter, {1: "Europe/Lisbon", 2: LONDON, 3: "Europe/Paris"})
    assert [g.zone_key for g in groups] == ["Europe/Lisbon", LONDON, "Europe/Paris"]


def test_gather_merges_members_reading_the_same_clock() -> None:
    groups = gather([ZoneGroup(NY, START, (5,)), ZoneGroup(NY, START, (2,))])
    assert groups == (ZoneGroup(NY, START, (2, 5)),)


def test_held_and_assumed_clocks_are_lines_of_their_own() -> None:
    groups = gather(
        [
            ZoneGroup(SEOUL, START, (1,)),
            ZoneGroup(SEOUL, START, (2,), delayed=True),
            ZoneGroup(SEOUL, START, (3,), assumed_zone=True),
        ]
    )
    assert sorted((g.user_ids, g.delayed, g.assumed_zone) for g in groups) == [
        ((1,), False, False),
        ((2,), True, False),
        ((3,), False, True),
    ]


def test_an_earlier_instant_reads_first_whatever_the_zone() -> None:
    earlier = START - timedelta(hours=5)  # e.g. a ping held by quiet hours since then
    groups = gather(
        [
            ZoneGroup(None, earlier, (1,)),
            ZoneGroup(SEOUL, START, (2,)),
            ZoneGroup(NY, START, (3,)),
            ZoneGroup(SEOUL, earlier, (4,), delayed=True),
        ]
    )
    assert [g.user_ids for g in groups] == [(4,), (3,), (2,), (1,)]


def test_without_drops_members_who_left_and_empty_groups() -> None:
    groups = (ZoneGroup(NY, START, (1, 2)), ZoneGroup(SEOUL, START, (3,), delayed=True))
    assert without(groups, {2, 3}) == (ZoneGroup(NY, START, (1,)),)
    assert without(groups, set()) is groups
