"""The one clock label of a ping line: zone, no zone, the server's zone, held by quiet hours."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.domain.pings import ZoneGroup
from bot.render import SET_ZONE_HINT, clock_label

OUT = datetime(2025, 5, 30, 7, 0, tzinfo=UTC)  # a Friday


def test_a_member_with_a_zone_reads_their_own_time() -> None:
    assert (
        clock_label(ZoneGroup("Asia/Seoul", OUT, (1,))) == "4:00 PM Friday your time (Asia/Seoul)"
    )


def test_a_member_without_a_zone_reads_utc_with_the_hint() -> None:
    assert clock_label(ZoneGroup(None, OUT, (1,))) == (
        "7:00 AM Friday UTC (no time zone set: `/timezone set`)"
    )


def test_the_servers_zone_standing_in_is_said_with_the_hint() -> None:
    line = ZoneGroup("Asia/Seoul", OUT, (1,), assumed_zone=True)
    assert clock_label(line) == (
        "4:00 PM Friday this server's time (Asia/Seoul; no time zone set: `/timezone set`)"
    )


def test_a_line_held_by_quiet_hours_says_since_when() -> None:
    line = ZoneGroup("America/New_York", OUT, (1,), delayed=True)
    assert clock_label(line) == "Out since 3:00 AM Friday your time (America/New_York)"


def test_a_held_line_inside_a_sentence_leaves_the_since_to_it() -> None:
    line = ZoneGroup("America/New_York", OUT, (1,), delayed=True)
    assert clock_label(line, out_since=False) == "3:00 AM Friday your time (America/New_York)"


def test_every_hint_is_the_one_hint() -> None:
    for line in (ZoneGroup(None, OUT, (1,)), ZoneGroup("Asia/Seoul", OUT, (1,), False, True)):
        assert clock_label(line).count(SET_ZONE_HINT) == 1
