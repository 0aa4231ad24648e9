"""Premiere follows and per-server premiere settings: SQL only."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from bot.domain.premieres import PREMIERE_KINDS, Follower, Planned, to_data
from bot.storage import outbox
from bot.storage.db import POSTGRESQL, Queries, Row
from bot.storage.outbox import from_text, to_text


@dataclass(frozen=True)
class Premiere:
    id: int
    guild_id: int
    film_id: str
    channel_id: int | None
    first_channel_id: int
    heads_up: timedelta | None
    channel_set_by: int | None = None  # who last chose the channel with /premiere channel


def _premiere(row: Row) -> Premiere:
    return Premiere(
        id=row["id"],
        guild_id=row["guild_id"],
        film_id=row["film_id"],
        channel_id=row["channel_id"],
        first_channel_id=row["first_channel_id"],
        heads_up=timedelta(seconds=row["heads_up_seconds"]) if row["heads_up_seconds"] else None,
        channel_set_by=row["channel_set_by"],
    )


async def get(conn: Queries, guild_id: int, film_id: str) -> Premiere | None:
    row = await conn.fetchone(
        "SELECT * FROM premieres WHERE guild_id = ? AND film_id = ?", (guild_id, film_id)
    )
    return _premiere(row) if row else None


async def get_by_id(conn: Queries, premiere_id: int) -> Premiere | None:
    row = await conn.fetchone("SELECT * FROM premieres WHERE id = ?", (premiere_id,))
    return _premiere(row) if row else None


async def lock(conn: Queries, premiere_id: int) -> Premiere | None:
    """Read a premiere for re-planning it, holding its row until the caller's transaction ends:
    a second re-plan of it waits, then sees this one's new pings (to cancel them) instead of
    leaving both plans pending. (PostgreSQL's ``FOR NO KEY UPDATE`` lets follows referring to
    the row be written meanwhile; SQLite's ``BEGIN IMMEDIATE`` already serialises writers.)"""
    sql = "SELECT * FROM premieres WHERE id = ?"
    if conn.engine == POSTGRESQL:
        sql += " FOR NO KEY UPDATE"
    row = await conn.fetchone(sql, (premiere_id,))
    return _premiere(row) if row else None


async def ensure(conn: Queries, guild_id: int, film_id: str, first_channel_id: int) -> Premiere:
    await conn.execute(
        "INSERT INTO premieres (guild_id, film_id, first_channel_id) VALUES (?, ?, ?) "
        "ON CONFLICT DO NOTHING",
        (guild_id, film_id, first_channel_id),
    )
    found = await get(conn, guild_id, film_id)
    assert found is not None
    return found


async def set_channel(conn: Queries, premiere_id: int, channel_id: int, set_by: int | None) -> None:
    """Choose the ping channel; a failure there will be reported afresh."""
    await conn.execute(
        "UPDATE premieres SET channel_id = ?, channel_set_by = ?, problem_channel_id = NULL "
        "WHERE id = ?",
        (channel_id, set_by, premiere_id),
    )


async def claim_problem_report(conn: Queries, premiere_id: int, channel_id: int) -> bool:
    """True the first time only that pings in ``channel_id`` fail for good, until the
    premiere's channel is chosen again: managers are told once."""
    changed = await conn.execute(
        "UPDATE premieres SET problem_channel_id = ? WHERE id = ? "
        "AND (problem_channel_id IS NULL OR problem_channel_id <> ?)",
        (channel_id, premiere_id, channel_id),
    )
    return changed > 0


async def set_heads_up(conn: Queries, premiere_id: int, lead: timedelta | None) -> None:
    seconds = int(lead.total_seconds()) if lead else None
    await conn.execute(
        "UPDATE premieres SET heads_up_seconds = ? WHERE id = ?", (seconds, premiere_id)
    )


async def follow(
    conn: Queries,
    premiere_id: int,
    user_id: int,
    dm: bool,
    now: datetime,
    release: str | None = None,
) -> None:
    """Follow (or follow again, with a new choice of DM and release)."""
    await conn.execute(
        "INSERT INTO follows (premiere_id, user_id, dm, created_at, release) "
        "VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT(premiere_id, user_id) DO UPDATE SET dm = excluded.dm, "
        "release = excluded.release",
        (premiere_id, user_id, int(dm), to_text(now), release),
    )


async def unfollow(conn: Queries, premiere_id: int, user_id: int) -> bool:
    gone = await conn.execute(
        "DELETE FROM follows WHERE premiere_id = ? AND user_id = ?", (premiere_id, user_id)
    )
    return gone > 0


def _time(text: str | None) -> time | None:
    return time.fromisoformat(text) if text else None


async def followers(conn: Queries, premiere_id: int, user_id: int | None = None) -> list[Follower]:
    """Followers (or just ``user_id``) with their current zone, country, quiet hours and their
    choices of DM and release."""
    sql = (
        "SELECT f.user_id, f.dm, f.release, z.zone, p.quiet_start, p.quiet_end, p.country "
        "FROM follows f LEFT JOIN user_zones z ON z.user_id = f.user_id "
        "LEFT JOIN user_prefs p ON p.user_id = f.user_id WHERE f.premiere_id = ?"
    )
    params: tuple = (premiere_id,)
    if user_id is not None:
        sql, params = sql + " AND f.user_id = ?", (premiere_id, user_id)
    rows = await conn.fetchall(sql, params)
    result = []
    for r in rows:
        start, end = _time(r["quiet_start"]), _time(r["quiet_end"])
        quiet = (start, end) if start and end else None
        result.append(
            Follower(r["user_id"], r["zone"], bool(r["dm"]), quiet, r["country"], r["release"])
        )
    return result


async def premiere_ids_of_user(conn: Queries, user_id: int) -> list[int]:
    return [
        r[0]
        for r in await conn.fetchall(
            "SELECT premiere_id FROM follows WHERE user_id = ? ORDER BY premiere_id", (user_id,)
        )
    ]


async def premiere_ids_of_film(conn: Queries, film_id: str) -> list[int]:
    return [
        r[0]
        for r in await conn.fetchall(
            "SELECT id FROM premieres WHERE film_id = ? ORDER BY id", (film_id,)
        )
    ]


async def premiere_ids_of_guild(conn: Queries, guild_id: int) -> list[int]:
    return [
        r[0]
        for r in await conn.fetchall(
            "SELECT id FROM premieres WHERE guild_id = ? ORDER BY id", (guild_id,)
        )
    ]


async def guild_summary(
    conn: Queries, guild_id: int
) -> list[tuple[Premiere, int, datetime | None]]:
    """Each film a server follows: (premiere, follower count, next pending ping)."""
    rows = await conn.fetchall(
        "SELECT p.*, (SELECT COUNT(*) FROM follows f WHERE f.premiere_id = p.id) AS n, "
        "(SELECT MIN(due_at) FROM outbox o WHERE o.ref_id = p.id AND o.kind IN (?, ?) "
        " AND o.state = 'pending') AS next_due "
        "FROM premieres p WHERE p.guild_id = ? ORDER BY p.film_id",
        (*PREMIERE_KINDS, guild_id),
    )
    return [
        (_premiere(r), r["n"], from_text(r["next_due"]) if r["next_due"] else None)
        for r in rows
        if r["n"]
    ]


async def still_following(conn: Queries, premiere_id: int, user_ids: list[int]) -> set[int]:
    """Which of these members follow the premiere right now."""
    found: set[int] = set()
    for start in range(0, len(user_ids), 500):  # stay under SQLite's variable limit
        chunk = user_ids[start : start + 500]
        found.update(
            r[0]
            for r in await conn.fetchall(
                f"SELECT user_id FROM follows WHERE premiere_id = ? "
                f"AND user_id IN ({','.join('?' * len(chunk))})",
                (premiere_id, *chunk),
            )
        )
    return found


async def forget_guild(conn: Queries, guild_id: int) -> int:
    """Drop a server's premieres, follows and pending pings (the bot left it)."""
    ids = await premiere_ids_of_guild(conn, guild_id)
    for premiere_id in ids:
        await _cancel_ahead(conn, premiere_id, None)
    await conn.execute("DELETE FROM premieres WHERE guild_id = ?", (guild_id,))
    return len(ids)


async def clear_channel(conn: Queries, channel_id: int) -> list[int]:
    """Forget a deleted channel chosen with /premiere channel; the premieres it affected."""
    return [
        r[0]
        for r in await conn.fetchall(
            "UPDATE premieres SET channel_id = NULL WHERE channel_id = ? RETURNING id",
            (channel_id,),
        )
    ]


async def _cancel_ahead(conn: Queries, premiere_id: int, after: datetime | None) -> None:
    """Cancel pending pings due after ``after`` (all of them with None).

    Pings already due are left to the scheduler: they may be queued behind a fan-out or waiting
    for a retry, and it re-checks who still follows when it builds them.
    """
    marks = ",".join("?" * len(PREMIERE_KINDS))
    sql = (
        f"UPDATE outbox SET state = '{outbox.CANCELLED}' WHERE state = '{outbox.PENDING}' "
        f"AND ref_id = ? AND kind IN ({marks})"
    )
    params: tuple = (premiere_id, *PREMIERE_KINDS)
    if after is not None:
        sql += " AND due_at > ?"
        params += (to_text(after),)
    await conn.execute(sql, params)


async def replace_plan(
    conn: Queries,
    premiere_id: int,
    planned: list[Planned],
    now: datetime | None,
    rev: str = "",
) -> None:
    """Swap the pending pings due after ``now`` (all of them with None) for a freshly computed
    plan made from releases ``rev``, in the caller's transaction."""
    await _cancel_ahead(conn, premiere_id, now)
    await outbox.add_many(conn, [(p.kind, premiere_id, p.due, to_data(p, rev)) for p in planned])
    await conn.execute(
        "UPDATE premieres SET planned_rev = ? WHERE id = ?", (rev or None, premiere_id)
    )


async def planned_rev(conn: Queries, premiere_id: int) -> str | None:
    """The releases fingerprint a premiere's plan was last made from."""
    return await conn.fetchval("SELECT planned_rev FROM premieres WHERE id = ?", (premiere_id,))


async def planned_revisions(
    conn: Queries, film_id: str | None = None
) -> list[tuple[int, str, str]]:
    """(premiere, film, releases fingerprint) each premiere (of ``film_id``, when given) was
    last planned from. A premiere planned before the fingerprint was kept on its row
    reads it from its pending pings; one with neither is left out."""
    marks = ",".join("?" * len(PREMIERE_KINDS))
    sql = (
        "SELECT p.id, p.film_id, p.planned_rev, CASE WHEN p.planned_rev IS NULL THEN "
        " (SELECT o.data FROM outbox o "
        f"  WHERE o.ref_id = p.id AND o.state = '{outbox.PENDING}' AND o.kind IN ({marks}) "
        "  LIMIT 1) END AS pending FROM premieres p"
    )
    params: tuple = PREMIERE_KINDS
    if film_id is not None:
        sql, params = sql + " WHERE p.film_id = ?", (*PREMIERE_KINDS, film_id)
    found = []
    for premiere, film, rev, pending in await conn.fetchall(sql, params):
        if rev is None and pending is not None:
            rev = json.loads(pending).get("rev") or ""
        if rev is not None:
            found.append((premiere, film, rev))
    return found


async def set_quiet(conn: Queries, user_id: int, window: tuple[time, time] | None) -> None:
    start, end = (
        (window[0].isoformat("minutes"), window[1].isoformat("minutes")) if window else (None, None)
    )
    await conn.execute(
        "INSERT INTO user_prefs (user_id, quiet_start, quiet_end) VALUES (?, ?, ?) "
        "ON CONFLICT(user_id) DO UPDATE SET quiet_start = excluded.quiet_start, "
        "quiet_end = excluded.quiet_end",
        (user_id, start, end),
    )
