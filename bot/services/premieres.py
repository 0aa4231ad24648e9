"""Premiere pings: follows, settings, and the ping plan kept in step with every change.

Whenever something that shapes the plan changes (a follow, a zone, quiet hours, the channel,
the server's default zone), the plan of each affected premiere is recomputed and its pending
outbox rows replaced in the same transaction as the change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

import aiosqlite

from bot.clock import Clock
from bot.domain import premieres as rules
from bot.domain.films import Film
from bot.errors import BadOption, UserError
from bot.render import premieres as view
from bot.scheduler import Outgoing, Scheduler
from bot.storage import premieres as store
from bot.storage import settings
from bot.storage.db import Database
from bot.storage.films import FilmStore
from bot.storage.outbox import Delivery


class AlreadyOut(UserError):
    """Following a film that is already out: says when, and suggests a watch party."""


@dataclass(frozen=True)
class Followed:
    film: Film
    first_ping: rules.Planned | None  # the member's own ping (None: nothing left to ping)
    out_at: datetime


class Premieres:
    def __init__(self, db: Database, films: FilmStore, clock: Clock, scheduler: Scheduler) -> None:
        self.db = db
        self.films = films
        self.clock = clock
        self.scheduler = scheduler
        for kind in rules.PREMIERE_KINDS:
            scheduler.register(kind, self.build_delivery)

    async def replan(self, conn: aiosqlite.Connection, premiere_id: int) -> list[rules.Planned]:
        """Recompute one premiere's pings from the database, inside the caller's transaction."""
        premiere = await store.get_by_id(conn, premiere_id)
        if premiere is None:
            return []
        film = await self.films.get(premiere.film_id)
        guild = await settings.get_guild_settings(self.db, premiere.guild_id)
        channel = premiere.channel_id or guild.announce_channel_id or premiere.first_channel_id
        planned = rules.plan(
            film,
            await store.followers(conn, premiere_id),
            channel_id=channel,
            default_zone=guild.zone,
            now=self.clock.now(),
            heads_up=premiere.heads_up,
        )
        await store.replace_plan(conn, premiere_id, planned)
        return planned

    async def replan_user(self, conn: aiosqlite.Connection, user_id: int) -> None:
        for premiere_id in await store.premiere_ids_of_user(conn, user_id):
            await self.replan(conn, premiere_id)

    async def replan_guild(self, conn: aiosqlite.Connection, guild_id: int) -> None:
        for premiere_id in await store.premiere_ids_of_guild(conn, guild_id):
            await self.replan(conn, premiere_id)

    def _poke(self, planned: list[rules.Planned]) -> None:
        if planned:
            self.scheduler.poke(planned[0].due)

    async def follow(
        self, *, guild_id: int, user_id: int, film: Film, dm: bool, channel_id: int
    ) -> Followed:
        now = self.clock.now()
        zone = await settings.get_user_zone(self.db, user_id)
        if not film.releases:
            raise BadOption(
                f"The store doesn't know when {film.title} comes out, so there's nothing to follow yet."
            )
        default_zone = (await settings.get_guild_settings(self.db, guild_id)).zone
        out_at = rules.next_release_instant(film, zone or default_zone)
        if out_at is None:
            raise BadOption(f"{film.title} has no release for your region in the store.")
        if out_at <= now:
            raise AlreadyOut(view.already_out(film, out_at))
        async with self.db.transaction() as conn:
            premiere = await store.ensure(conn, guild_id, film.id, channel_id)
            await store.follow(conn, premiere.id, user_id, dm, now)
            planned = await self.replan(conn, premiere.id)
        self._poke(planned)
        mine = next(
            (
                p
                for p in planned
                if p.kind == rules.PREMIERE and any(user_id in line.user_ids for line in p.lines)
            ),
            None,
        )
        return Followed(film, mine, out_at)

    async def unfollow(self, *, guild_id: int, user_id: int, film: Film) -> bool:
        async with self.db.transaction() as conn:
            premiere = await store.get(conn, guild_id, film.id)
            if premiere is None or not await store.unfollow(conn, premiere.id, user_id):
                return False
            await self.replan(conn, premiere.id)
        return True

    async def set_channel(self, *, guild_id: int, film: Film, channel_id: int) -> None:
        async with self.db.transaction() as conn:
            premiere = await store.ensure(conn, guild_id, film.id, channel_id)
            await store.set_channel(conn, premiere.id, channel_id)
            self._poke(await self.replan(conn, premiere.id))

    async def set_heads_up(
        self, *, guild_id: int, film: Film, lead: timedelta | None, channel_id: int
    ) -> None:
        async with self.db.transaction() as conn:
            premiere = await store.ensure(conn, guild_id, film.id, channel_id)
            await store.set_heads_up(conn, premiere.id, lead)
            self._poke(await self.replan(conn, premiere.id))

    async def set_member_zone(self, user_id: int, key: str | None, guild_id: int | None) -> bool:
        """Set (or with None, clear) a member's zone and re-plan their premieres; False if
        there was nothing to clear."""
        async with self.db.transaction() as conn:
            if key is not None:
                await settings.write_user_zone(conn, user_id, key, guild_id, self.clock.now())
                changed = True
            else:
                changed = await settings.delete_user_zone(conn, user_id)
            await self.replan_user(conn, user_id)
        self.scheduler.poke()
        return changed

    async def set_guild_settings(
        self, guild_id: int, *, zone: str | None = None, announce_channel_id: int | None = None
    ) -> None:
        """Change the server's default zone or announce channel and re-plan its premieres."""
        async with self.db.transaction() as conn:
            await settings.write_guild_settings(
                conn, guild_id, zone=zone, announce_channel_id=announce_channel_id
            )
            await self.replan_guild(conn, guild_id)
        self.scheduler.poke()

    async def set_quiet(self, user_id: int, window: tuple[time, time] | None) -> None:
        async with self.db.transaction() as conn:
            await store.set_quiet(conn, user_id, window)
            await self.replan_user(conn, user_id)
        self.scheduler.poke()

    async def summary(self, guild_id: int) -> list[tuple[str, int, str | None]]:
        """(film title, followers, next ping as UTC text) for each film this server follows."""
        rows = await store.guild_summary(self.db.conn, guild_id)
        return [((await self.films.get(p.film_id)).title, n, due) for p, n, due in rows]

    async def build_delivery(self, delivery: Delivery, late: bool) -> list[Outgoing]:
        """The ping for one channel (or one DM) at one instant, from the planned lines."""
        channel_id, user_id, lines = rules.from_data(delivery.data)
        premiere = await store.get_by_id(self.db.conn, delivery.ref_id)
        if premiere is None:
            return []
        film = await self.films.get(premiere.film_id)
        if user_id is not None:
            return [Outgoing(view.dm(film, delivery.kind, lines, late), user_id=user_id)]
        header = view.header(film, delivery.kind, lines, late)
        return [
            Outgoing(content, channel_id=channel_id, mention_ids=ids)
            for content, ids in view.pings(header, lines)
        ]
