"""Premiere ping text: labels per clock, and splitting within Discord's limits."""

import re
from datetime import UTC, date, datetime, time

import pytest

from bot.domain.films import Film, Name, Release
from bot.domain.premieres import HEADS_UP, PREMIERE, Line
from bot.render import premieres as view

OUT = datetime(2025, 5, 30, 7, 0, tzinfo=UTC)
FILM = Film(
    id="lost-in-starlight",
    path="x.toml",
    sources=(),
    titles=(Name("Lost in Starlight", "english", ()),),
    releases=(
        Release(
            "Netflix",
            ("worldwide",),
            "global",
            date(2025, 5, 30),
            time(0),
            "America/Los_Angeles",
            (),
        ),
    ),
)
MENTION = re.compile(r"<@(\d+)>")


def test_labels_read_each_members_clock():
    assert view.line_label(Line("America/New_York", OUT, (1,))) == (
        "3:00 AM Friday in America/New_York"
    )
    assert view.line_label(Line("Asia/Seoul", OUT, (1,))) == "4:00 PM Friday in Asia/Seoul"
    assert view.line_label(Line(None, OUT, (1,))).startswith("7:00 AM Friday UTC (")
    assumed = view.line_label(Line("Asia/Seoul", OUT, (1,), assumed_zone=True))
    assert "this server's zone" in assumed and "/timezone set" in assumed


def test_a_held_ping_says_since_when_in_their_own_time():
    line = Line("America/New_York", OUT, (1,), delayed=True)
    assert view.line_label(line) == "Out since 3:00 AM Friday your time (America/New_York)"
    assert view.line_label(line, dm=True).startswith("out since 3:00 AM Friday your time")
    assert "quiet hours are over" in view.header(FILM, PREMIERE, [line], late=False)


def test_one_message_for_a_small_server_naming_exactly_its_members():
    lines = [Line("America/New_York", OUT, (1, 2)), Line("Asia/Seoul", OUT, (3,))]
    [(content, ids)] = view.pings(view.header(FILM, PREMIERE, lines, late=False), lines)
    assert ids == (1, 2, 3)
    assert content.splitlines()[1:] == [
        "3:00 AM Friday in America/New_York: <@1> <@2>",
        "4:00 PM Friday in Asia/Seoul: <@3>",
    ]
    assert content.startswith("🍿 **Lost in Starlight** is out now on Netflix!")


def test_heads_up_and_late_headers():
    line = [Line("Asia/Seoul", OUT, (1,))]
    assert "comes out <t:1748588400:R>" in view.header(FILM, HEADS_UP, line, late=False)
    assert "Sent late" in view.header(FILM, PREMIERE, line, late=True)


def _check(messages, groups):
    seen: list[int] = []
    for content, ids in messages:
        assert len(content) <= 2000
        assert len(ids) <= 100
        mentioned = [int(m) for m in MENTION.findall(content)]
        assert mentioned == list(ids)  # allowed_mentions names exactly who is in the text
        seen += mentioned
    assert sorted(seen) == sorted(uid for _, members in groups for uid in members)


@pytest.mark.parametrize("sizes", [[3] * 40, [150], [99, 2, 99], [60, 60, 60], [1] * 130])
def test_pack_stays_within_limits_and_mentions_everyone_once(sizes):
    groups, next_id = [], 10**18
    for i, n in enumerate(sizes):
        groups.append((f"3:00 AM Friday in Zone/Number_{i}", tuple(range(next_id, next_id + n))))
        next_id += n
    _check(view.pack("🍿 header", groups), groups)


def test_groups_that_fit_are_never_split():
    big = 10**18
    groups = [(f"label {i}", tuple(range(big + i * 70, big + i * 70 + 70))) for i in range(3)]
    messages = view.pack("head", groups)
    assert len(messages) == 3  # 70 + 70 would pass the 100-id cap: each group moves whole
    for (content, _), (label, members) in zip(messages, groups, strict=True):
        assert f"{label}:" in content and "(continued)" not in content
        assert len(MENTION.findall(content)) == len(members)


def test_a_group_too_big_for_one_message_splits_between_mentions():
    short_ids = tuple(range(1000, 1250))  # 100 of them fit in 2,000 characters
    messages = view.pack("head", [("label", short_ids)])
    assert [len(ids) for _, ids in messages] == [100, 100, 50]  # allowed_mentions' cap
    assert messages[1][0].startswith("label (continued): <@")
    snowflakes = tuple(range(10**18, 10**18 + 250))  # 23 characters a mention
    messages = view.pack("head", [("label", snowflakes)])
    assert [len(ids) for _, ids in messages] == [86, 86, 78]  # the 2,000 characters bind first
