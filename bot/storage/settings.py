"""Members' zones and servers' settings: the only SQL about people and servers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.storage.db import Database, Queries


@dataclass(frozen=True)
class GuildSettings:
    guild_id: int
    zone: str | None = None
    announce_channel_id: int | None = None


async def write_user_zone(
    conn: Queries, user_id: int, zone: str, guild_id: int | None, now: datetime
) -> None:
    """Store a member's zone (personal, used in every server) and note the server they set it in."""
    await conn.execute(
        "INSERT INTO user_zones (user_id, zone, updated_at) VALUES (?, ?, ?) "
        "ON CONFLICT(user_id) DO UPDATE SET zone = excluded.zone, updated_at = excluded.updated_at",
        (user_id, zone, now.isoformat()),
    )
    if guild_id is not None:
        await conn.execute(
            "INSERT INTO guild_members (guild_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
            (guild_id, user_id),
        )


async def delete_user_zone(conn: Queries, user_id: int) -> bool:
    """Forget a member's zone everywhere; True if there was one."""
    return await conn.execute("DELETE FROM user_zones WHERE user_id = ?", (user_id,)) > 0


async def get_user_zone(db: Queries, user_id: int) -> str | None:
    row = await db.fetchone("SELECT zone FROM user_zones WHERE user_id = ?", (user_id,))
    return row["zone"] if row else None


async def get_user_country(db: Queries, user_id: int) -> str | None:
    """The country a member chose with `/timezone country`, if any."""
    row = await db.fetchone("SELECT country FROM user_prefs WHERE user_id = ?", (user_id,))
    return row["country"] if row else None


async def write_user_country(conn: Queries, user_id: int, country: str | None) -> bool:
    """Choose (or with None, forget) a member's country; True if that changed anything."""
    row = await conn.fetchone("SELECT country FROM user_prefs WHERE user_id = ?", (user_id,))
    if (row["country"] if row else None) == country:
        return False
    await conn.execute(
        "INSERT INTO user_prefs (user_id, country) VALUES (?, ?) "
        "ON CONFLICT(user_id) DO UPDATE SET country = excluded.country",
        (user_id, country),
    )
    return True


async def guild_zone_counts(db: Queries, guild_id: int) -> list[tuple[str, int]]:
    """The zones registered by members of a server, most common first."""
    rows = await db.fetchall(
        "SELECT z.zone, COUNT(*) AS n FROM guild_members g "
        "JOIN user_zones z ON z.user_id = g.user_id WHERE g.guild_id = ? "
        "GROUP BY z.zone ORDER BY n DESC, z.zone",
        (guild_id,),
    )
    return [(r["zone"], r["n"]) for r in rows]


async def get_guild_settings(db: Queries, guild_id: int) -> GuildSettings:
    row = await db.fetchone(
        "SELECT zone, announce_channel_id FROM guild_settings WHERE guild_id = ?", (guild_id,)
    )
    if row is None:
        return GuildSettings(guild_id)
    return GuildSettings(guild_id, row["zone"], row["announce_channel_id"])


async def write_guild_settings(
    conn: Queries,
    guild_id: int,
    *,
    zone: str | None = None,
    announce_channel_id: int | None = None,
) -> None:
    """Set the given fields (None leaves a field as it is)."""
    await conn.execute(
        "INSERT INTO guild_settings (guild_id) VALUES (?) ON CONFLICT DO NOTHING", (guild_id,)
    )
    if zone is not None:
        await conn.execute(
            "UPDATE guild_settings SET zone = ? WHERE guild_id = ?", (zone, guild_id)
        )
    if announce_channel_id is not None:
        await conn.execute(
            "UPDATE guild_settings SET announce_channel_id = ? WHERE guild_id = ?",
            (announce_channel_id, guild_id),
        )


async def zones_of(db: Queries, user_ids: list[int]) -> dict[int, str | None]:
    """Each member's registered zone, or None."""
    if not user_ids:
        return {}
    found: dict[int, str] = {}
    for start in range(0, len(user_ids), 500):  # stay under SQLite's variable limit
        chunk = user_ids[start : start + 500]
        rows = await db.fetchall(
            f"SELECT user_id, zone FROM user_zones WHERE user_id IN ({','.join('?' * len(chunk))})",
            tuple(chunk),
        )
        found.update((r["user_id"], r["zone"]) for r in rows)
    return {uid: found.get(uid) for uid in user_ids}


async def set_dm_pings(db: Database, user_id: int, enabled: bool) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO user_prefs (user_id, dm_pings) VALUES (?, ?) "
            "ON CONFLICT(user_id) DO UPDATE SET dm_pings = excluded.dm_pings",
            (user_id, int(enabled)),
        )


async def dm_preferring(db: Queries, user_ids: list[int]) -> set[int]:
    """The members who asked to be pinged by DM instead of in the channel."""
    if not user_ids:
        return set()
    rows = await db.fetchall(
        f"SELECT user_id FROM user_prefs WHERE dm_pings = 1 "
        f"AND user_id IN ({','.join('?' * len(user_ids))})",
        tuple(user_ids),
    )
    return {r["user_id"] for r in rows}


async def claim_events_notice(db: Database, guild_id: int) -> bool:
    """True the first time only: 'no Manage Events' is said once per server."""
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO guild_settings (guild_id) VALUES (?) ON CONFLICT DO NOTHING", (guild_id,)
        )
        changed = await conn.execute(
            "UPDATE guild_settings SET events_notice_shown = 1 "
            "WHERE guild_id = ? AND events_notice_shown = 0",
            (guild_id,),
        )
        return changed > 0
