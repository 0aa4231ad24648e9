"""Members' zones and servers' settings: the only SQL about people and servers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.storage.db import Database


@dataclass(frozen=True)
class GuildSettings:
    guild_id: int
    zone: str | None = None
    announce_channel_id: int | None = None


async def set_user_zone(db: Database, user_id: int, zone: str, guild_id: int | None, now: datetime) -> None:
    """Store a member's zone (personal, used in every server) and note the server they set it in."""
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO user_zones (user_id, zone, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT(user_id) DO UPDATE SET zone = excluded.zone, updated_at = excluded.updated_at",
            (user_id, zone, now.isoformat()),
        )
        if guild_id is not None:
            await conn.execute(
                "INSERT OR IGNORE INTO guild_members (guild_id, user_id) VALUES (?, ?)",
                (guild_id, user_id),
            )


async def clear_user_zone(db: Database, user_id: int) -> bool:
    """Forget a member's zone everywhere; True if there was one."""
    async with db.transaction() as conn:
        cur = await conn.execute("DELETE FROM user_zones WHERE user_id = ?", (user_id,))
        return cur.rowcount > 0


async def get_user_zone(db: Database, user_id: int) -> str | None:
    row = await db.fetchone("SELECT zone FROM user_zones WHERE user_id = ?", (user_id,))
    return row["zone"] if row else None


async def guild_zone_counts(db: Database, guild_id: int) -> list[tuple[str, int]]:
    """The zones registered by members of a server, most common first."""
    rows = await db.fetchall(
        "SELECT z.zone, COUNT(*) AS n FROM guild_members g "
        "JOIN user_zones z ON z.user_id = g.user_id WHERE g.guild_id = ? "
        "GROUP BY z.zone ORDER BY n DESC, z.zone",
        (guild_id,),
    )
    return [(r["zone"], r["n"]) for r in rows]


async def get_guild_settings(db: Database, guild_id: int) -> GuildSettings:
    row = await db.fetchone(
        "SELECT zone, announce_channel_id FROM guild_settings WHERE guild_id = ?", (guild_id,)
    )
    if row is None:
        return GuildSettings(guild_id)
    return GuildSettings(guild_id, row["zone"], row["announce_channel_id"])


async def update_guild_settings(
    db: Database, guild_id: int, *, zone: str | None = None, announce_channel_id: int | None = None
) -> GuildSettings:
    """Set the given fields (None leaves a field as it is)."""
    async with db.transaction() as conn:
        await conn.execute("INSERT OR IGNORE INTO guild_settings (guild_id) VALUES (?)", (guild_id,))
        if zone is not None:
            await conn.execute("UPDATE guild_settings SET zone = ? WHERE guild_id = ?", (zone, guild_id))
        if announce_channel_id is not None:
            await conn.execute(
                "UPDATE guild_settings SET announce_channel_id = ? WHERE guild_id = ?",
                (announce_channel_id, guild_id),
            )
    return await get_guild_settings(db, guild_id)
