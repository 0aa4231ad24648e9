"""Premiere pings that can never be sent, end to end: the server's managers are told once.

Also: a premiere ping queued by the previous version of the bot is still delivered.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.config import DEFAULT_FILMS_DIR
from bot.domain.premieres import release_fingerprint
from bot.storage.films import parse_film_bytes
from bot.storage.migrations import MIGRATIONS
from fakecord import StoredMessage
from fakecord.permissions import Perm
from tests.databases import sqlite_only
from tests.e2e.conftest import Harness, harness

STARLIGHT = "lost-in-starlight"
OUT = datetime(2025, 5, 30, 7, 0, tzinfo=UTC)  # 00:00 in Los Angeles
HEADS_UP = OUT - timedelta(hours=1)
NOTICE = "premiere ping in"


@pytest.fixture
async def e2e(tmp_path: Path) -> AsyncIterator[Harness]:
    async with harness(tmp_path) as h:
        add_admin(h)
        yield h


def add_admin(e2e: Harness) -> None:
    e2e.server.members["Admin"] = e2e.fake.add_member(
        e2e.server.guild, "Admin", permissions=int(Perm.MANAGE_GUILD)
    )


async def run(e2e: Harness, who: str, command: str, options: dict[str, Any], **kw: Any) -> str:
    reply = await e2e.run(who, command, options, **kw)
    assert reply.ephemeral, reply.text()
    return reply.text()


async def ping_in(e2e: Harness, channel: int, *, heads_up: bool = True) -> None:
    """Bruno follows; the Admin sends the pings to ``channel`` (a heads-up 1 h before)."""
    await run(e2e, "Bruno", "premiere follow", {"film": STARLIGHT})
    text = await run(e2e, "Admin", "premiere channel", {"film": STARLIGHT, "channel": channel})
    assert f"<#{channel}>" in text
    if heads_up:
        await run(e2e, "Admin", "premiere remind", {"film": STARLIGHT, "lead": "1h"})


def deny_sending(e2e: Harness, channel: int) -> None:
    e2e.fake.set_overwrite(channel, e2e.fake.bot_user_id, deny=int(Perm.SEND_MESSAGES))


async def states(e2e: Harness, count: int, within: float = 5.0) -> list[str]:
    """The premiere rows' states, soonest first, once ``count`` of them are done (rows the plan
    replaced after a change are left out)."""
    found: list[str] = []
    async with asyncio.timeout(within):
        while True:
            rows = await e2e.bot.db.fetchall(
                "SELECT state FROM outbox WHERE kind LIKE 'premiere%' AND state != 'cancelled' "
                "ORDER BY due_at, id"
            )
            found = [r["state"] for r in rows]
            if sum(s not in {"pending", "sending"} for s in found) >= count:
                return found
            await asyncio.sleep(0.02)


def notices(messages: list[StoredMessage]) -> list[StoredMessage]:
    return [m for m in messages if NOTICE in m.content]


async def settle() -> None:
    await asyncio.sleep(0.3)  # time for a second notice, if one were (wrongly) on its way


# --- the server's managers are told once ---------------------------------------------------------


async def test_a_deleted_ping_channel_is_reported_once_in_the_announce_channel(
    e2e: Harness,
) -> None:
    cinema = e2e.fake.add_channel(e2e.server.guild, "cinema")
    news = e2e.fake.add_channel(e2e.server.guild, "news")
    await run(e2e, "Admin", "config announce", {"channel": news})
    await ping_in(e2e, cinema)
    # Deleted while the bot was down: it is never told, so the pings still go there.
    await e2e.restart(between=lambda: e2e.fake.delete_channel(cinema))

    e2e.clock.set(HEADS_UP - timedelta(seconds=0.5))
    await e2e.fake.wait_until(lambda: bool(e2e.posts(news)), 4.0)
    [notice] = e2e.posts(news)
    assert "**Lost in Starlight** premiere ping" in notice.content
    assert f"<#{cinema}>" in notice.content and "Unknown Channel" in notice.content
    assert "`/premiere channel`" in notice.content and "**Manage Server**" in notice.content
    e2e.clock.set(OUT - timedelta(seconds=0.5))
    assert await states(e2e, 2) == ["failed", "failed"]  # the heads-up, then the ping itself
    await settle()
    assert e2e.posts(news) == [notice]
    assert e2e.dms("Admin") == []  # told in the announce channel, not also by DM


async def test_a_removed_permission_is_reported_once_to_whoever_chose_the_channel(
    e2e: Harness,
) -> None:
    cinema = e2e.fake.add_channel(e2e.server.guild, "cinema")
    await ping_in(e2e, cinema)
    await run(e2e, "Admin", "config announce", {"channel": cinema})  # the failing one itself
    deny_sending(e2e, cinema)

    e2e.clock.set(HEADS_UP - timedelta(seconds=0.5))
    await e2e.fake.wait_until(lambda: bool(e2e.dms("Admin")), 4.0)
    [dm] = e2e.dms("Admin")
    assert f"**Lost in Starlight** premiere ping in <#{cinema}>" in dm.content
    assert "Missing Permissions" in dm.content and "`/premiere channel`" in dm.content
    e2e.clock.set(OUT - timedelta(seconds=0.5))
    assert await states(e2e, 2) == ["failed", "failed"]
    await settle()
    assert e2e.dms("Admin") == [dm]
    assert e2e.posts(cinema) == []


async def test_a_failure_in_a_newly_chosen_channel_is_reported_again(e2e: Harness) -> None:
    cinema = e2e.fake.add_channel(e2e.server.guild, "cinema")
    screen = e2e.fake.add_channel(e2e.server.guild, "screen")
    await ping_in(e2e, cinema)
    deny_sending(e2e, cinema)
    e2e.clock.set(HEADS_UP - timedelta(seconds=0.5))
    await e2e.fake.wait_until(lambda: bool(e2e.dms("Admin")), 4.0)

    await run(e2e, "Admin", "premiere channel", {"film": STARLIGHT, "channel": screen})
    deny_sending(e2e, screen)
    e2e.clock.set(OUT - timedelta(seconds=0.5))
    await e2e.fake.wait_until(lambda: len(e2e.dms("Admin")) == 2, 4.0)
    first, second = e2e.dms("Admin")
    assert f"<#{cinema}>" in first.content and f"<#{screen}>" in second.content


async def test_closed_dms_of_a_dm_follower_are_not_reported_to_the_server(e2e: Harness) -> None:
    news = e2e.fake.add_channel(e2e.server.guild, "news")
    await run(e2e, "Admin", "config announce", {"channel": news})
    await run(e2e, "Admin", "premiere channel", {"film": STARLIGHT, "channel": news})
    await run(e2e, "Bruno", "premiere follow", {"film": STARLIGHT, "dm": True})
    e2e.fake.block_dms(e2e.server["Bruno"])

    e2e.clock.set(OUT - timedelta(seconds=0.5))
    assert await states(e2e, 1) == ["failed"]  # recorded as it is: the DM was not delivered
    await settle()
    assert e2e.posts(news) == [] and e2e.dms("Admin") == []


async def test_in_the_default_set_up_the_servers_owner_gets_one_dm(e2e: Harness) -> None:
    films = e2e.fake.add_channel(e2e.server.guild, "films")
    # Followed in #films: the pings go there by default, nobody chose a channel or announce one.
    await run(e2e, "Bruno", "premiere follow", {"film": STARLIGHT}, channel=films)
    await run(e2e, "Admin", "premiere remind", {"film": STARLIGHT, "lead": "1h"})
    e2e.fake.delete_channel(films)

    e2e.clock.set(HEADS_UP - timedelta(seconds=0.5))
    await e2e.fake.wait_until(lambda: bool(e2e.dms(e2e.server.owner)), 4.0)
    [dm] = e2e.dms(e2e.server.owner)
    assert f"**Lost in Starlight** premiere ping in <#{films}>" in dm.content
    assert "Unknown Channel" in dm.content and "`/premiere channel`" in dm.content
    e2e.clock.set(OUT - timedelta(seconds=0.5))
    assert await states(e2e, 2) == ["failed", "failed"]  # the heads-up, then the ping itself
    await settle()
    assert e2e.dms(e2e.server.owner) == [dm]
    assert notices(e2e.dms("Admin") + e2e.dms("Bruno") + e2e.posts()) == []


# --- rows queued before this version --------------------------------------------------------------


def previous_version_database(path: Path, *, guild: int, channel: int, member: int) -> None:
    """A database as the previous version left it: schema 5, one premiere ping queued."""
    film = parse_film_bytes((DEFAULT_FILMS_DIR / f"{STARLIGHT}.toml").read_bytes(), STARLIGHT)
    data = {  # exactly as that version wrote a channel ping's data
        "rev": release_fingerprint(film),
        "lines": [["Asia/Seoul", OUT.isoformat(), [member], False, False]],
        "channel": channel,
        "user": None,
    }
    conn = sqlite3.connect(path)
    for script in MIGRATIONS[:5]:
        conn.executescript(script)
    conn.executescript(
        f"""
        PRAGMA user_version = 5;
        INSERT INTO premieres (id, guild_id, film_id, first_channel_id)
            VALUES (1, {guild}, '{STARLIGHT}', {channel});
        INSERT INTO follows (premiere_id, user_id, dm, created_at)
            VALUES (1, {member}, 0, '2025-05-20T12:00:00.000+00:00');
        INSERT INTO user_zones (user_id, zone, updated_at)
            VALUES ({member}, 'Asia/Seoul', '2025-05-20T12:00:00+00:00');
        """
    )
    due = OUT.isoformat(timespec="milliseconds")
    conn.execute(
        "INSERT INTO outbox (kind, ref_id, due_at, next_at, data) VALUES ('premiere', 1, ?, ?, ?)",
        (due, due, json.dumps(data, separators=(",", ":"))),
    )
    conn.commit()
    conn.close()


@sqlite_only  # a file as the previous version, which knew only SQLite, left it
async def test_a_premiere_ping_queued_by_the_previous_version_is_still_delivered(
    tmp_path: Path,
) -> None:
    async with harness(tmp_path, run=False) as e2e:
        s = e2e.server
        previous_version_database(
            e2e.settings.database, guild=s.guild, channel=s.general, member=s["Bruno"]
        )
        await e2e.start()
        e2e.clock.set(OUT - timedelta(seconds=0.5))
        await e2e.fake.wait_until(lambda: bool(e2e.posts()), 4.0)
        [ping] = e2e.posts()
        assert ping.content.splitlines() == [
            "🍿 **Lost in Starlight** is out now on Netflix!",
            f"4:00 PM Friday your time (Asia/Seoul): <@{s['Bruno']}>",
        ]
        assert e2e.fake.pinged_user_ids(ping) == {s["Bruno"]}
        assert await states(e2e, 1) == ["sent"]
