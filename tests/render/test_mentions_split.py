"""The one ping layout: split_mentions and grouped pings for every kind of delivery.

Within 2,000 characters and 100 user ids a message, split between groups (a group that fits is
moved whole), or between mentions for a group too big for any message; never inside a mention.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from bot.domain.pings import ZoneGroup, group
from bot.render import MESSAGE_LIMIT, grouped_pings, split_mentions

MENTION = re.compile(r"<@(\d+)>")
BIG = 10**19  # 20-digit snowflakes: the longest mentions


def ids(n: int, start: int = BIG) -> tuple[int, ...]:
    return tuple(range(start, start + n))


def check(messages: list[tuple[str, tuple[int, ...]]], limit: int = MESSAGE_LIMIT) -> None:
    for content, named in messages:
        assert len(content) <= limit
        assert len(named) <= 100
        # every mention is whole, and the ids returned are exactly the ones in the text
        assert tuple(int(m) for m in MENTION.findall(content)) == named
        assert "<@" not in MENTION.sub("", content)
        # no label line without a mention after it
        for line in content.splitlines()[1:]:
            assert not line.endswith(":"), line


def test_short_list_is_one_message_with_header_first() -> None:
    out = split_mentions("Starting now!", [("9:00 PM your time", (1, 2)), ("UTC", (3,))])
    assert out == [("Starting now!\n9:00 PM your time: <@1> <@2>\nUTC: <@3>", (1, 2, 3))]


def test_header_only_when_nobody_is_pinged() -> None:
    assert split_mentions("Starting now!", []) == [("Starting now!", ())]
    assert split_mentions("", []) == []


def test_long_list_splits_between_mentions_and_marks_continuation() -> None:
    members = ids(250, start=1000)  # short mentions: the 100-ids rule binds first
    out = split_mentions("Header", [("9:00 PM Friday your time (Asia/Seoul)", members)])
    check(out)
    assert [len(named) for _, named in out] == [100, 100, 50]
    assert [u for _, named in out for u in named] == list(members)
    assert out[1][0].startswith("9:00 PM Friday your time (Asia/Seoul) (continued): <@")


def test_character_limit_binds_before_the_id_limit() -> None:
    label = "x" * 900
    members = ids(120)
    out = split_mentions("H" * 1500, [(label, members)])
    check(out)
    assert [u for _, named in out for u in named] == list(members)


@pytest.mark.parametrize("limit", [64, 100, 333, 2000])
@pytest.mark.parametrize(
    "sizes",
    [(1,), (99, 1, 1), (100, 100), (7, 300, 3, 41), (3,) * 40, (150,), (99, 2, 99), (1,) * 130],
)
def test_any_mix_of_groups_is_split_cleanly(limit: int, sizes: tuple[int, ...]) -> None:
    groups, start = [], BIG
    for n, size in enumerate(sizes):
        groups.append((f"group {n}", ids(size, start)))
        start += size
    out = split_mentions("The header", groups, limit=limit)
    check(out, limit)
    assert [u for _, named in out for u in named] == [u for _, g in groups for u in g]


def test_a_group_that_does_not_fit_starts_a_new_message_with_its_label() -> None:
    out = split_mentions("A" * 1970, [("late group", (BIG,))])
    assert [c for c, _ in out] == ["A" * 1970, f"late group: <@{BIG}>"]


def test_groups_that_fit_are_moved_whole_to_the_next_message() -> None:
    groups = [(f"label {i}", ids(70, BIG + i * 70)) for i in range(3)]
    out = split_mentions("head", groups)
    check(out)
    assert len(out) == 3  # 70 + 70 would pass the 100-id cap: each group moves whole
    for (content, named), (label, members) in zip(out, groups, strict=True):
        assert f"{label}:" in content and "(continued)" not in content
        assert named == members


def test_a_group_of_long_mentions_fills_each_message_to_the_character_limit() -> None:
    snowflakes = ids(250, start=10**18)  # 19 digits: 23 characters a mention with its space
    out = split_mentions("head", [("label", snowflakes)])
    check(out)
    assert [len(named) for _, named in out] == [86, 86, 78]  # the 2,000 characters bind first
    assert out[1][0].startswith("label (continued): <@")


def test_a_group_with_nobody_left_gets_no_line() -> None:
    out = split_mentions("Header", [("empty", ()), ("UTC", (3,))])
    assert out == [("Header\nUTC: <@3>", (3,))]


def test_grouped_pings_show_each_members_clock() -> None:
    start = datetime(2025, 5, 30, 12, 0, tzinfo=UTC)
    zones = {1: "Asia/Seoul", 2: "America/New_York", 3: None}
    groups = group(((zone, start, False, False), uid) for uid, zone in zones.items())
    [(content, named)] = grouped_pings("Starting!", groups)
    assert content.splitlines() == [
        "Starting!",
        "8:00 AM Friday your time (America/New_York): <@2>",
        "9:00 PM Friday your time (Asia/Seoul): <@1>",
        "12:00 PM Friday UTC (no time zone set: `/timezone set`): <@3>",
    ]
    assert named == (2, 1, 3)


def test_grouped_pings_leave_out_a_group_with_nobody() -> None:
    start = datetime(2025, 5, 30, 12, 0, tzinfo=UTC)
    groups = [ZoneGroup("Asia/Seoul", start, ()), ZoneGroup("Europe/London", start, (4,))]
    assert grouped_pings("Out!", groups) == [
        ("Out!\n1:00 PM Friday your time (Europe/London): <@4>", (4,))
    ]
