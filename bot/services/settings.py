"""Members' and servers' settings, read for every command that shows or plans a time.

Changes that shape premiere pings (a member's zone, quiet hours, the server's default zone or
announce channel) go through :class:`bot.services.premieres.Premieres`, which re-plans those
pings in the same transaction; the settings that shape nothing else are written here.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain import zones
from bot.storage import settings as store
from bot.storage.db import Database, Queries
from bot.storage.settings import GuildSettings

# One table row per zone: more would not fit one embed field.
MAX_TABLE_ZONES = 15


@dataclass(frozen=True)
class MemberZone:
    """A member's own zone, else their server's default zone, either possibly unset."""

    own: str | None
    server: str | None  # only read (else None) when the member has no zone of their own

    @property
    def key(self) -> str | None:
        """The zone to read and show the member's times in: theirs, else the server's."""
        return self.own or self.server

    @property
    def from_server(self) -> bool:
        """The server's zone stands in for the member's (worth telling them)."""
        return self.own is None and self.server is not None


@dataclass(frozen=True)
class TableZones:
    """The zones a table of local times lists for a server."""

    keys: tuple[str, ...]
    from_server: bool  # registered by its members (else a default set of major zones)


class Preferences:
    """Reads members' zones and servers' settings; writes the ones no plan depends on.

    Inside a transaction, pass its ``conn`` to a reader: it then sees the transaction's own
    writes, and needs no second connection (on PostgreSQL the database refuses that).
    """

    def __init__(self, db: Database) -> None:
        self.db = db

    async def own_zone(self, user_id: int, conn: Queries | None = None) -> str | None:
        """The zone a member registered with `/timezone set`, if any."""
        return await store.get_user_zone(conn or self.db, user_id)

    async def chosen_country(self, user_id: int, conn: Queries | None = None) -> str | None:
        """The country a member picked with `/timezone country`, if any."""
        return await store.get_user_country(conn or self.db, user_id)

    async def country(self, user_id: int, zone_key: str | None) -> str | None:
        """The country whose release dates apply to a member: the one they picked, else the
        country of ``zone_key`` (their zone, or the server's standing in); None for UTC."""
        chosen = await self.chosen_country(user_id)
        if chosen is not None:
            return chosen
        return zones.country_of(zone_key) if zone_key else None

    async def zone(self, user_id: int, guild_id: int | None) -> MemberZone:
        """A member's zone, else (in a server) that server's default zone.

        The server's settings are only read when the member has no zone of their own: theirs
        wins, and a /film answer then costs one query.
        """
        own = await self.own_zone(user_id)
        if own is not None or guild_id is None:
            return MemberZone(own, None)
        return MemberZone(None, (await self.guild(guild_id)).zone)

    async def guild(self, guild_id: int, conn: Queries | None = None) -> GuildSettings:
        """A server's settings (`/config`)."""
        return await store.get_guild_settings(conn or self.db, guild_id)

    async def table_zones(self, guild_id: int | None) -> TableZones:
        """The zones its members registered, most common first, else the default major zones."""
        registered = (
            [zone for zone, _ in await store.guild_zone_counts(self.db, guild_id)]
            if guild_id is not None
            else []
        )
        if registered:
            return TableZones(tuple(registered[:MAX_TABLE_ZONES]), from_server=True)
        return TableZones(tuple(zones.DEFAULT_ZONES), from_server=False)

    async def announce_channel_id(self, guild_id: int) -> int | None:
        """The server's default channel for announcements (`/config announce`), if set."""
        return (await self.guild(guild_id)).announce_channel_id

    async def claim_events_notice(self, guild_id: int) -> bool:
        """True the first time only: "no Manage Events, so no Discord event" is said once."""
        return await store.claim_events_notice(self.db, guild_id)

    async def set_dm_pings(self, user_id: int, enabled: bool) -> None:
        """Watch-party pings by DM (True) or in the channel (False)."""
        await store.set_dm_pings(self.db, user_id, enabled)
