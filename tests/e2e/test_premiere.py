"""Premiere pings end to end: the real bot, the loopback Discord, a clock moved between pings.

The clock is a ShiftedClock (real time flowing from a chosen "now"): each test follows films
days ahead, then sets "now" a second before a release and watches the ping arrive on time.
"""

from __future__ import annotations

import asyncio
import shutil
import time as walltime
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import DEFAULT_FILMS_DIR
from fakecord import StoredMessage
from fakecord.permissions import Perm
from tests.e2e.conftest import T0, Harness, harness
from tests.storage.outbox_helpers import outbox_counts

STARLIGHT = "lost-in-starlight"
OUT = datetime(2025, 5, 30, 7, 0, tzinfo=UTC)  # 00:00 in Los Angeles
ROLLING = "midnight-test"
ROLLING_DAY = "2025-06-06"  # a Friday
SEOUL_MIDNIGHT = datetime(2025, 6, 5, 15, 0, tzinfo=UTC)
LONDON_MIDNIGHT = datetime(2025, 6, 5, 23, 0, tzinfo=UTC)
NEW_YORK_MIDNIGHT = datetime(2025, 6, 6, 4, 0, tzinfo=UTC)

FILM_HEAD = """
[sources.test]
title = "Made up for the tests"

[[titles]]
text = "{title}"
kind = "english"
sources = ["test"]
"""
ROLLING_FILM = (
    f'id = "{ROLLING}"\n'
    + FILM_HEAD.format(title="Midnight Test")
    + f"""
[[releases]]
platform = "Netflix"
regions = ["worldwide"]
model = "local_midnight"
date = {ROLLING_DAY}
sources = ["test"]
"""
)
UNDATED_FILM = 'id = "undated-test"\n' + FILM_HEAD.format(title="Undated Test")


@pytest.fixture
def films_dir(tmp_path: Path) -> Path:
    """The bundled films plus a rolling-release film and one with no release date."""
    films = tmp_path / "films"
    shutil.copytree(DEFAULT_FILMS_DIR, films)
    (films / f"{ROLLING}.toml").write_text(ROLLING_FILM, encoding="utf-8")
    (films / "undated-test.toml").write_text(UNDATED_FILM, encoding="utf-8")
    return films


@pytest.fixture
async def e2e(tmp_path: Path, films_dir: Path) -> AsyncIterator[Harness]:
    async with harness(tmp_path, settings={"films_dir": films_dir}) as h:
        h.server.members["Admin"] = h.fake.add_member(
            h.server.guild, "Admin", permissions=int(Perm.MANAGE_GUILD)
        )
        yield h


# --- helpers ----------------------------------------------------------------------------------


async def set_zones(e2e: Harness, **zones: str) -> None:
    for who, zone in zones.items():
        reply = await e2e.run(who, "timezone set", {"zone": zone})
        assert zone in reply.text(), reply.text()


async def follow(e2e: Harness, who: str, film: str = STARLIGHT, **options) -> str:
    reply = await e2e.run(who, "premiere follow", {"film": film, **options})
    assert reply.ephemeral
    return reply.text()


def in_clock(e2e: Harness, real: float) -> datetime:
    """A wall-clock timestamp (time.time()) read on the bot's shifted clock."""
    return e2e.clock.now() - timedelta(seconds=walltime.time() - real)


def posted_at(e2e: Harness, message: StoredMessage) -> datetime:
    return in_clock(e2e, message.created_at)


def mentioned(e2e: Harness, message: StoredMessage) -> set[int]:
    """Who gets a notification, and check allowed_mentions names exactly them."""
    pinged = e2e.fake.pinged_user_ids(message)
    allowed = message.sent.get("allowed_mentions") or {}
    assert {int(u) for u in allowed.get("users", [])} == pinged
    assert not allowed.get("parse")
    return pinged


async def next_posts(
    e2e: Harness, channel: int, count: int = 1, within: float = 4.0
) -> list[StoredMessage]:
    before = len(e2e.posts(channel))
    await e2e.fake.wait_until(lambda: len(e2e.posts(channel)) >= before + count, within)
    return e2e.posts(channel)[before:]


async def quiet_for(seconds: float) -> None:
    await asyncio.sleep(seconds)


# --- the scenario ---------------------------------------------------------------------


async def test_global_premiere_pings_three_zones_at_the_instant_in_one_message(e2e: Harness):
    s = e2e.server
    await set_zones(e2e, Ada="America/New_York", Bruno="Asia/Seoul", Chiara="Europe/London")
    confirmation = await follow(e2e, "Ada")
    assert "3:00 AM Friday, 30 May 2025 your time (America/New_York)" in confirmation
    assert f"<#{s.general}>" in confirmation
    assert "4:00 PM Friday" in await follow(e2e, "Bruno")
    assert "8:00 AM Friday" in await follow(e2e, "Chiara")

    e2e.clock.set(OUT - timedelta(seconds=1.2))
    await quiet_for(0.9)
    assert e2e.posts() == []  # nothing before the instant
    [ping] = await next_posts(e2e, s.general)
    assert OUT <= posted_at(e2e, ping) < OUT + timedelta(seconds=0.5)
    assert mentioned(e2e, ping) == {s["Ada"], s["Bruno"], s["Chiara"]}
    lines = ping.content.splitlines()
    assert lines[0] == "🍿 **Lost in Starlight** is out now on Netflix!"
    assert lines[1:] == [
        f"3:00 AM Friday your time (America/New_York): <@{s['Ada']}>",
        f"8:00 AM Friday your time (Europe/London): <@{s['Chiara']}>",
        f"4:00 PM Friday your time (Asia/Seoul): <@{s['Bruno']}>",
    ]
    await quiet_for(0.3)
    assert len(e2e.posts()) == 1  # exactly one message


async def test_rolling_release_pings_each_zone_at_its_local_midnight(e2e: Harness):
    s = e2e.server
    await set_zones(e2e, Ada="America/New_York", Bruno="Asia/Seoul", Chiara="Europe/London")
    for who in ("Ada", "Bruno", "Chiara"):
        assert "12:00 AM Friday, 6 June 2025 your time" in await follow(e2e, who, ROLLING)

    for midnight, who, zone in [
        (SEOUL_MIDNIGHT, "Bruno", "Asia/Seoul"),
        (LONDON_MIDNIGHT, "Chiara", "Europe/London"),
        (NEW_YORK_MIDNIGHT, "Ada", "America/New_York"),
    ]:
        e2e.clock.set(midnight - timedelta(seconds=0.6))
        [ping] = await next_posts(e2e, s.general)
        assert posted_at(e2e, ping) >= midnight
        assert mentioned(e2e, ping) == {s[who]}
        assert f"12:00 AM Friday your time ({zone}): <@{s[who]}>" in ping.content
    await quiet_for(0.2)
    assert len(e2e.posts()) == 3


# --- quiet hours, changes before the ping, members without a zone -------------------------------


async def test_quiet_hours_hold_the_ping_until_they_end(e2e: Harness):
    s = e2e.server
    await set_zones(e2e, Ada="America/New_York", Bruno="Asia/Seoul")
    reply = await e2e.run("Ada", "timezone quiet", {"window": "23:00-08:00"})
    assert "23:00 to 08:00" in reply.text()
    confirmation = await follow(e2e, "Ada")
    assert "quiet hours" in confirmation and "8:00 AM Friday, 30 May 2025" in confirmation
    await follow(e2e, "Bruno")

    e2e.clock.set(OUT - timedelta(seconds=0.5))
    [on_time] = await next_posts(e2e, s.general)
    assert mentioned(e2e, on_time) == {s["Bruno"]}

    window_end = datetime(2025, 5, 30, 12, 0, tzinfo=UTC)  # 8:00 AM in New York
    e2e.clock.set(window_end - timedelta(seconds=0.5))
    [held] = await next_posts(e2e, s.general)
    assert posted_at(e2e, held) >= window_end
    assert mentioned(e2e, held) == {s["Ada"]}
    assert f"Out since 3:00 AM Friday your time (America/New_York): <@{s['Ada']}>" in held.content


@pytest.mark.parametrize("word", ["off", "none", "Clear"])
async def test_quiet_hours_off_lets_the_ping_come_at_the_release(e2e: Harness, word: str):
    await set_zones(e2e, Ada="America/New_York")
    await e2e.run("Ada", "timezone quiet", {"window": "23:00-08:00"})
    reply = await e2e.run("Ada", "timezone quiet", {"window": word})
    assert reply.ephemeral and reply.content == "Quiet hours are off."
    confirmation = await follow(e2e, "Ada")
    assert "quiet hours" not in confirmation
    assert "3:00 AM Friday, 30 May 2025 your time" in confirmation
    assert f"I'll ping you in <#{e2e.server.general}> then." in confirmation


async def test_the_plan_follows_changes_made_before_the_ping(e2e: Harness):
    s = e2e.server
    await set_zones(e2e, Ada="America/New_York", Bruno="Asia/Seoul", Chiara="Europe/London")
    for who in ("Ada", "Bruno", "Chiara", "Dae-jung"):
        await follow(e2e, who)
    reply = await e2e.run("Bruno", "premiere unfollow", {"film": STARLIGHT})
    assert "no longer follow" in reply.text()
    await set_zones(e2e, Chiara="Asia/Tokyo")  # moved
    await e2e.run("Ada", "timezone quiet", {"window": "1:00-2:00"})  # not at 3 AM: no change

    e2e.clock.set(OUT - timedelta(seconds=0.5))
    [ping] = await next_posts(e2e, s.general)
    assert mentioned(e2e, ping) == {s["Ada"], s["Chiara"], s["Dae-jung"]}
    assert f"4:00 PM Friday your time (Asia/Tokyo): <@{s['Chiara']}>" in ping.content
    assert f"7:00 AM Friday UTC (no time zone set: `/timezone set`): <@{s['Dae-jung']}>" in (
        ping.content
    )
    await quiet_for(0.3)
    assert len(e2e.posts()) == 1


async def test_rolling_release_uses_the_server_zone_for_members_without_one(e2e: Harness):
    s = e2e.server
    await e2e.run("Admin", "config timezone", {"zone": "Asia/Seoul"})
    confirmation = await follow(e2e, "Dae-jung", ROLLING)
    assert "this server's zone (Asia/Seoul)" in confirmation

    e2e.clock.set(SEOUL_MIDNIGHT - timedelta(seconds=0.5))
    [ping] = await next_posts(e2e, s.general)
    assert mentioned(e2e, ping) == {s["Dae-jung"]}
    assert "12:00 AM Friday this server's time (Asia/Seoul; no time zone set" in ping.content


# --- channel, heads-up, DMs ------------------------------------------------------------------


async def test_pings_go_to_the_chosen_channel_with_a_heads_up_first(e2e: Harness):
    s = e2e.server
    fake = e2e.fake
    premieres = fake.add_channel(s.guild, "premieres")
    other = fake.add_channel(s.guild, "other")
    await set_zones(e2e, Ada="America/New_York")
    await follow(e2e, "Ada")  # first follower: #general by default

    await e2e.run("Admin", "config announce", {"channel": premieres})
    assert f"<#{premieres}>" in (await e2e.run("Ada", "premiere list")).text()

    refused = await e2e.run("Ada", "premiere channel", {"film": STARLIGHT, "channel": other})
    assert "Manage Server" in refused.text()
    reply = await e2e.run("Admin", "premiere channel", {"film": STARLIGHT, "channel": other})
    assert f"<#{other}>" in reply.text()
    reply = await e2e.run("Admin", "premiere remind", {"film": STARLIGHT, "lead": "1h"})
    assert "1h" in reply.text()
    listing = (await e2e.run("Bruno", "premiere list")).text()
    assert "Lost in Starlight" in listing and "1 follower" in listing and f"<#{other}>" in listing

    e2e.clock.set(OUT - timedelta(hours=1, seconds=0.5))
    [heads_up] = await next_posts(e2e, other)
    assert heads_up.content.startswith("⏳ **Lost in Starlight** comes out <t:")
    assert mentioned(e2e, heads_up) == {s["Ada"]}
    e2e.clock.set(OUT - timedelta(seconds=0.5))
    [ping] = await next_posts(e2e, other)
    assert mentioned(e2e, ping) == {s["Ada"]}
    assert e2e.posts(s.general) == [] and e2e.posts(premieres) == []


async def pending_heads_ups(e2e: Harness) -> list[str]:
    rows = await e2e.bot.db.fetchall(
        "SELECT due_at FROM outbox WHERE kind = 'premiere_heads_up' AND state = 'pending'"
    )
    return [row["due_at"] for row in rows]


@pytest.mark.parametrize("word", ["off", "none", "0"])
async def test_a_heads_up_can_be_switched_off(e2e: Harness, word: str):
    await set_zones(e2e, Ada="America/New_York")
    await follow(e2e, "Ada")
    await e2e.run("Admin", "premiere remind", {"film": STARLIGHT, "lead": "1h"})
    assert len(await pending_heads_ups(e2e)) == 1
    reply = await e2e.run("Admin", "premiere remind", {"film": STARLIGHT, "lead": word})
    assert reply.content == "No heads-up before **Lost in Starlight** comes out."
    assert await pending_heads_ups(e2e) == []
    assert "heads-up" not in (await e2e.run("Ada", "premiere list")).text()


async def test_a_heads_up_is_at_most_thirty_days_before(e2e: Harness):
    await follow(e2e, "Ada")
    await e2e.run("Admin", "premiere remind", {"film": STARLIGHT, "lead": "1h"})
    before = await pending_heads_ups(e2e)
    reply = await e2e.run("Admin", "premiere remind", {"film": STARLIGHT, "lead": "31d"})
    assert reply.ephemeral
    assert reply.content == "A heads-up can be at most 30 days before the premiere."
    assert await pending_heads_ups(e2e) == before  # the 1h heads-up stays


async def test_dm_followers_are_pinged_privately(e2e: Harness):
    await set_zones(e2e, Bruno="Asia/Seoul")
    assert "by DM" in await follow(e2e, "Bruno", dm=True)
    e2e.clock.set(OUT - timedelta(seconds=0.5))
    await e2e.fake.wait_until(lambda: e2e.dms("Bruno"), 4.0)
    [dm] = e2e.dms("Bruno")
    assert "4:00 PM Friday your time (Asia/Seoul)" in dm.content
    assert e2e.posts() == []


# --- films already out or without a date --------------------------------------------------------


async def test_following_a_film_already_out_offers_a_watch_party(e2e: Harness):
    e2e.clock.set(OUT + timedelta(days=2))
    text = await follow(e2e, "Ada")
    assert "already came out" in text and "/watchparty create" in text
    assert "follows no premieres" in (await e2e.run("Ada", "premiere list")).text()


async def test_following_a_film_without_a_release_date_says_so(e2e: Harness):
    text = await follow(e2e, "Ada", "undated-test")
    assert "don't know when **Undated Test** comes out" in text


# --- many followers in one server ---------------------------------------------------------------


async def test_a_big_server_is_split_between_groups_within_discords_limits(e2e: Harness):
    s = e2e.server
    fake, bot = e2e.fake, e2e.bot
    film = await bot.films.get(STARLIGHT)
    zones = ["America/New_York", "Europe/London", "Asia/Seoul", "Australia/Sydney", None]
    expected: set[int] = set()
    for i in range(230):
        uid = fake.add_member(s.guild, f"fan{i}")
        expected.add(uid)
        if zones[i % 5]:
            await bot.premieres.set_member_zone(uid, zones[i % 5], s.guild)
        await bot.premieres.follow(
            guild_id=s.guild, user_id=uid, film=film, dm=False, channel_id=s.general
        )
    assert T0 < OUT
    e2e.clock.set(OUT - timedelta(seconds=0.5))
    await e2e.fake.wait_until(
        lambda: (
            sum(len(m.sent.get("allowed_mentions", {}).get("users", [])) for m in e2e.posts())
            >= len(expected)
        ),
        5.0,
    )
    seen: list[int] = []
    for message in e2e.posts():
        assert len(message.content) <= 2000
        pinged = mentioned(e2e, message)
        assert len(pinged) <= 100
        seen += pinged
    assert sorted(seen) == sorted(expected)  # everyone exactly once
    # 46 members a zone: a group fits in one message, so each moves to the next one whole.
    assert len(e2e.posts()) == 5
    assert not any("(continued)" in m.content for m in e2e.posts())


# --- what the bot is told about: channels deleted, servers left, its own restarts ----------------


async def test_a_deleted_ping_channel_falls_back_to_the_default(e2e: Harness):
    s = e2e.server
    other = e2e.fake.add_channel(s.guild, "other")
    await follow(e2e, "Ada")
    await e2e.run("Admin", "premiere channel", {"film": STARLIGHT, "channel": other})
    e2e.fake.delete_channel(other)
    await e2e.fake.wait_until(lambda: e2e.bot.get_channel(other) is None, 2.0)
    await quiet_for(0.1)  # the listener re-plans
    assert f"<#{s.general}>" in (await e2e.run("Ada", "premiere list")).text()
    e2e.clock.set(OUT - timedelta(seconds=0.5))
    [ping] = await next_posts(e2e, s.general)
    assert mentioned(e2e, ping) == {s["Ada"]}


async def test_leaving_a_server_drops_its_premieres(e2e: Harness):
    s = e2e.server
    await follow(e2e, "Ada")
    e2e.fake.world.emit("GUILD_DELETE", {"id": str(s.guild)}, s.guild)  # the bot was removed
    await e2e.fake.wait_until(lambda: e2e.bot.get_guild(s.guild) is None, 2.0)
    await quiet_for(0.1)
    assert await outbox_counts(e2e.bot.db) == {"cancelled": 1}


async def test_a_ping_due_while_the_bot_was_down_is_sent_once_and_marked_late(e2e: Harness):
    s = e2e.server
    await set_zones(e2e, Bruno="Asia/Seoul")
    await follow(e2e, "Bruno")
    await e2e.restart(between=lambda: e2e.clock.set(OUT + timedelta(minutes=3)))
    await e2e.fake.wait_until(lambda: e2e.posts(), 4.0)  # may be out before start() returns
    [ping] = e2e.posts()
    assert mentioned(e2e, ping) == {s["Bruno"]}
    assert "Sent late" in ping.content
    await quiet_for(0.3)
    assert len(e2e.posts()) == 1
    assert await outbox_counts(e2e.bot.db) == {"late": 1}


async def test_a_release_date_changed_while_down_is_replanned_at_start(
    e2e: Harness, films_dir: Path
):
    s = e2e.server
    await set_zones(e2e, Bruno="Asia/Seoul")
    await follow(e2e, "Bruno", ROLLING)

    def postpone() -> None:  # the film moves to the next day in the store
        path = films_dir / f"{ROLLING}.toml"
        path.write_text(ROLLING_FILM.replace(ROLLING_DAY, "2025-06-07"), encoding="utf-8")

    await e2e.restart(between=postpone)
    e2e.clock.set(SEOUL_MIDNIGHT - timedelta(seconds=0.3))
    await quiet_for(0.8)
    assert e2e.posts() == []  # the old date no longer pings
    later = SEOUL_MIDNIGHT + timedelta(days=1)
    e2e.clock.set(later - timedelta(seconds=0.3))
    [ping] = await next_posts(e2e, s.general)
    assert (
        posted_at(e2e, ping) >= later and "12:00 AM Saturday your time (Asia/Seoul)" in ping.content
    )
