"""Premiere follows and per-server premiere settings: SQL only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

import aiosqlite

from bot.domain.premieres import PREMIERE_KINDS, Follower, Planned, to_data
from bot.storage import outbox
from bot.storage.outbox import to_text


@dataclass(frozen=True)
class Premiere:
    id: int
    guild_id: int
    film_id: str
    channel_id: int | None
    first_channel_id: int
    heads_up: timedelta | None


def _premiere(row: aiosqlite.Row) -> Premiere:
    return Premiere(
        id=row["id"],
        guild_id=row["guild_id"],
        film_id=row["film_id"],
        channel_id=row["channel_id"],
        first_channel_id=row["first_channel_id"],
        heads_up=timedelta(seconds=row["heads_up_seconds"]) if row["heads_up_seconds"] else None,
    )


async def get(conn: aiosqlite.Connection, guild_id: int, film_id: str) -> Premiere | None:
    async with conn.execute(
        "SELECT * FROM premieres WHERE guild_id = ? AND film_id = ?", (guild_id, film_id)
    ) as cur:
        row = await cur.fetchone()
    return _premiere(row) if row else None


async def get_by_id(conn: aiosqlite.Connection, premiere_id: int) -> Premiere | None:
    async with conn.execute("SELECT * FROM premieres WHERE id = ?", (premiere_id,)) as cur:
        row = await cur.fetchone()
    return _premiere(row) if row else None


async def ensure(
    conn: aiosqlite.Connection, guild_id: int, film_id: str, first_channel_id: int
) -> Premiere:
    await conn.execute(
        "INSERT OR IGNORE INTO premieres (guild_id, film_id, first_channel_id) VALUES (?, ?, ?)",
        (guild_id, film_id, first_channel_id),
    )
    found = await get(conn, guild_id, film_id)
    assert found is not None
    return found


async def set_channel(conn: aiosqlite.Connection, premiere_id: int, channel_id: int) -> None:
    await conn.execute(
        "UPDATE premieres SET channel_id = ? WHERE id = ?", (channel_id, premiere_id)
    )


async def set_heads_up(
    conn: aiosqlite.Connection, premiere_id: int, lead: timedelta | None
) -> None:
    seconds = int(lead.total_seconds()) if lead else None
    await conn.execute(
        "UPDATE premieres SET heads_up_seconds = ? WHERE id = ?", (seconds, premiere_id)
    )


async def follow(
    conn: aiosqlite.Connection, premiere_id: int, user_id: int, dm: bool, now: datetime
) -> None:
    await conn.execute(
        "INSERT INTO follows (premiere_id, user_id, dm, created_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(premiere_id, user_id) DO UPDATE SET dm = excluded.dm",
        (premiere_id, user_id, int(dm), to_text(now)),
    )


async def unfollow(conn: aiosqlite.Connection, premiere_id: int, user_id: int) -> bool:
    cur = await conn.execute(
        "DELETE FROM follows WHERE premiere_id = ? AND user_id = ?", (premiere_id, user_id)
    )
    return cur.rowcount > 0


def _time(text: str | None) -> time | None:
    return time.fromisoformat(text) if text else None


async def followers(conn: aiosqlite.Connection, premiere_id: int) -> list[Follower]:
    """Followers with their current zone, quiet hours and DM choice."""
    async with conn.execute(
        "SELECT f.user_id, f.dm, z.zone, p.quiet_start, p.quiet_end FROM follows f "
        "LEFT JOIN user_zones z ON z.user_id = f.user_id "
        "LEFT JOIN user_prefs p ON p.user_id = f.user_id WHERE f.premiere_id = ?",
        (premiere_id,),
    ) as cur:
        rows = await cur.fetchall()
    result = []
    for r in rows:
        start, end = _time(r["quiet_start"]), _time(r["quiet_end"])
        quiet = (start, end) if start and end else None
        result.append(Follower(r["user_id"], r["zone"], bool(r["dm"]), quiet))
    return result


async def premiere_ids_of_user(conn: aiosqlite.Connection, user_id: int) -> list[int]:
    async with conn.execute("SELECT premiere_id FROM follows WHERE user_id = ?", (user_id,)) as cur:
        return [r[0] for r in await cur.fetchall()]


async def premiere_ids_of_guild(conn: aiosqlite.Connection, guild_id: int) -> list[int]:
    async with conn.execute("SELECT id FROM premieres WHERE guild_id = ?", (guild_id,)) as cur:
        return [r[0] for r in await cur.fetchall()]


async def guild_summary(
    conn: aiosqlite.Connection, guild_id: int
) -> list[tuple[Premiere, int, str | None]]:
    """Each followed film of a server: (premiere, follower count, next pending ping time)."""
    async with conn.execute(
        "SELECT p.*, (SELECT COUNT(*) FROM follows f WHERE f.premiere_id = p.id) AS n, "
        "(SELECT MIN(due_at) FROM outbox o WHERE o.ref_id = p.id AND o.kind IN (?, ?) "
        " AND o.state = 'pending') AS next_due "
        "FROM premieres p WHERE p.guild_id = ? ORDER BY p.film_id",
        (*PREMIERE_KINDS, guild_id),
    ) as cur:
        rows = await cur.fetchall()
    return [(_premiere(r), r["n"], r["next_due"]) for r in rows if r["n"]]


async def replace_plan(
    conn: aiosqlite.Connection, premiere_id: int, planned: list[Planned]
) -> None:
    """Swap the pending pings of a premiere for a freshly computed plan (same transaction)."""
    await outbox.cancel_pending(conn, PREMIERE_KINDS, premiere_id)
    await outbox.add_many(conn, [(p.kind, premiere_id, p.due, to_data(p)) for p in planned])


async def set_quiet(
    conn: aiosqlite.Connection, user_id: int, window: tuple[time, time] | None
) -> None:
    start, end = (
        (window[0].isoformat("minutes"), window[1].isoformat("minutes")) if window else (None, None)
    )
    await conn.execute(
        "INSERT INTO user_prefs (user_id, quiet_start, quiet_end) VALUES (?, ?, ?) "
        "ON CONFLICT(user_id) DO UPDATE SET quiet_start = excluded.quiet_start, "
        "quiet_end = excluded.quiet_end",
        (user_id, start, end),
    )
