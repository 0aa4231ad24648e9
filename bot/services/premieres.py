"""Premiere pings: follows, settings, and the ping plan kept in step with every change.

Whenever something that shapes the plan changes (a follow, a zone, quiet hours, the channel,
the server's default zone or announce channel), the plan of each affected premiere is recomputed
and its pending outbox rows still ahead are replaced in the same transaction as the change.
Pings already due are the scheduler's: when it builds one, it leaves out members who stopped
following in the meantime.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import time, timedelta

from bot import render
from bot.clock import Clock
from bot.domain import premieres as rules
from bot.domain.films import Film, Release
from bot.domain.pings import ZoneGroup, without
from bot.domain.releases import Applicable
from bot.domain.when import format_duration
from bot.errors import FilmNotFound, UserError
from bot.render import premieres as view
from bot.scheduler import Outgoing, Scheduler
from bot.services.settings import Preferences
from bot.storage import premieres as store
from bot.storage import settings
from bot.storage.db import Database, Queries
from bot.storage.filmstore import FilmStore
from bot.storage.outbox import Delivery
from bot.storage.settings import GuildSettings

log = logging.getLogger(__name__)


async def nobody(guild_id: int) -> int | None:
    """No server owner is known (services built without a bot, as in tests)."""
    return None


class AlreadyOut(UserError):
    """Following a film that is already out: says when, and suggests a watch party."""


@dataclass(frozen=True)
class Followed:
    film: Film
    ping: rules.Planned | None  # the member's own ping (None: nothing left to ping)
    line: ZoneGroup | None  # their line in it: zone shown, release time, quiet hours
    release: Release | None  # the release they follow (None: no date for their country yet)
    choice: str | None  # releases.CINEMA / STREAMING when known (None: whichever comes first)
    applicable: Applicable  # every release that applies to them, and the nearest one elsewhere
    channel_id: int | None = None  # where the film's channel pings go


class Premieres:
    def __init__(
        self,
        db: Database,
        films: FilmStore,
        clock: Clock,
        scheduler: Scheduler,
        preferences: Preferences,
        *,
        owner_of: Callable[[int], Awaitable[int | None]] | None = None,
    ) -> None:
        """``owner_of(guild_id)``: the server owner's id, if known (the last one told when a
        ping can never be sent and nobody else can be)."""
        self.db = db
        self.films = films
        self.clock = clock
        self.scheduler = scheduler
        self.preferences = preferences
        self.owner_of = owner_of or nobody
        self._loading: dict[str, asyncio.Future[Film]] = {}
        for kind in rules.PREMIERE_KINDS:
            scheduler.register(kind, self.build_delivery, on_failure=self.report_failure)

    async def _film(self, film_id: str) -> Film:
        """The film, loaded once however many pings of a fan-out ask for it at the same moment
        (the store reads the file on a cache miss, e.g. right after a restart)."""
        pending = self._loading.get(film_id)
        if pending is not None:
            return await asyncio.shield(pending)
        task = asyncio.ensure_future(self.films.get(film_id))
        self._loading[film_id] = task
        try:
            return await asyncio.shield(task)
        finally:
            if task.done():
                self._loading.pop(film_id, None)
            else:
                task.add_done_callback(lambda _: self._loading.pop(film_id, None))

    # ------------------------------------------------------------------ the plan
    async def replan(
        self,
        conn: Queries,
        premiere_id: int,
        *,
        stale: bool = False,
        guild: GuildSettings | None = None,
    ) -> list[rules.Planned]:
        """Recompute one premiere's pings from the database, inside the caller's transaction.

        Pings already due stay queued (the scheduler re-checks who still follows) unless the
        plan is ``stale``: made from release dates that have changed since. ``guild``: the
        server's settings, when the caller has just read them in this transaction.
        """
        # Every read goes through conn: it sees this transaction's writes, and a second pool
        # connection per transaction would deadlock the pool under load.
        premiere = await store.lock(conn, premiere_id)
        if premiere is None:
            return []
        now = self.clock.now()
        try:
            film = await self.films.get(premiere.film_id, conn)
        except FilmNotFound:  # its file was removed from the store: nothing left to ping
            log.warning("Film %s is gone; cancelling premiere %s", premiere.film_id, premiere_id)
            await store.replace_plan(conn, premiere_id, [], None)
            return []
        rev = rules.release_fingerprint(film)
        if stale and await store.planned_rev(conn, premiere_id) == rev:
            # Another process re-planned it from these dates while this one waited for the lock
            # (every process hears of a changed film): planning again would drop the pings
            # that fell due meanwhile.
            return []
        if guild is None:
            guild = await self.preferences.guild(premiere.guild_id, conn)
        planned = rules.plan(
            film,
            await store.followers(conn, premiere_id),
            channel_id=rules.ping_channel(
                premiere.channel_id, guild.announce_channel_id, premiere.first_channel_id
            ),
            default_zone=guild.zone,
            now=now,
            heads_up=premiere.heads_up,
        )
        await store.replace_plan(conn, premiere_id, planned, None if stale else now, rev)
        return planned

    async def refresh_plans(self) -> int:
        """Re-plan the premieres whose film's releases changed since their pings were planned
        (the film files are re-read at start-up). Returns how many were re-planned."""
        async with self.db.transaction() as conn:
            stale = await self._stale(conn, await store.planned_revisions(conn))
            for premiere_id in sorted(stale):  # in id order, as every re-plan locks its rows
                await self.replan(conn, premiere_id, stale=True)
        if stale:
            log.info("Re-planned %d premieres whose release dates changed", len(stale))
            self.scheduler.poke()
        return len(stale)

    async def film_changed(self, film_id: str) -> int:
        """The store's copy of a film changed (a refresh from its catalogue, an edited file):
        re-plan its premieres planned from other release dates, so followers whose country just
        gained a date get their ping and pings of dates that moved are dropped. Returns how
        many premieres were re-planned."""
        count = 0
        async with self.db.transaction() as conn:
            revisions = await store.planned_revisions(conn, film_id)
            stale = await self._stale(conn, revisions)
            known = {premiere_id for premiere_id, _, _ in revisions}
            for premiere_id in await store.premiere_ids_of_film(conn, film_id):  # in id order
                if premiere_id in stale or premiere_id not in known:  # (never planned: plan it)
                    await self.replan(conn, premiere_id, stale=premiere_id in stale)
                    count += 1
        if count:
            self.scheduler.poke()
        return count

    async def _stale(self, conn: Queries, revisions: list[tuple[int, str, str]]) -> set[int]:
        """The premieres of ``(premiere, film, rev)`` whose film's releases are no longer
        ``rev``."""
        current: dict[str, str | None] = {}
        stale = set()
        for premiere_id, film_id, rev in revisions:
            if film_id not in current:
                try:
                    film = await self.films.get(film_id, conn)
                    current[film_id] = rules.release_fingerprint(film)
                except FilmNotFound:
                    current[film_id] = None
            if current[film_id] != rev:
                stale.add(premiere_id)
        return stale

    async def replan_user(self, conn: Queries, user_id: int) -> None:
        for premiere_id in await store.premiere_ids_of_user(conn, user_id):
            await self.replan(conn, premiere_id)

    async def replan_guild(self, conn: Queries, guild_id: int) -> None:
        for premiere_id in await store.premiere_ids_of_guild(conn, guild_id):
            await self.replan(conn, premiere_id)

    def _poke(self, planned: list[rules.Planned]) -> None:
        if planned:
            self.scheduler.poke(planned[0].due)

    # ------------------------------------------------------------------ members
    async def follow(
        self,
        *,
        guild_id: int,
        user_id: int,
        film: Film,
        dm: bool,
        channel_id: int,
        release: str | None = None,
    ) -> Followed:
        """Follow a film's premiere in a server: its release ``release`` (releases.CINEMA or
        STREAMING; None: whichever comes first for them). Raises if that is out already; a
        member whose country has no date yet follows all the same, and is pinged once the film
        gains one (:meth:`film_changed`)."""
        now = self.clock.now()
        # The server's settings are read once, in the transaction, for the check and the plan.
        async with self.db.transaction() as conn:
            guild = await self.preferences.guild(guild_id, conn)
            own = await self.preferences.own_zone(user_id, conn)
            country = await self.preferences.chosen_country(user_id, conn)
            applies = rules.applicable(film, own, guild.zone, country)
            chosen = applies.pick(release)
            if chosen is not None and applies.out_at(chosen) <= now:
                # In cinemas already, streaming still ahead (or the other way round): "whichever
                # comes first" is the one still to come, kept as their choice so that the one
                # already out is never pinged.
                ahead = [r for r in applies.ordered if applies.out_at(r) > now]
                if release is not None or not ahead:
                    out = applies.out_at(chosen)
                    raise AlreadyOut(view.already_out(film, out, own or guild.zone))
                chosen = ahead[0]
                release = applies.choice_of(chosen)
            premiere = await store.ensure(conn, guild_id, film.id, channel_id)
            await store.follow(conn, premiere.id, user_id, dm, now, release)
            planned = await self.replan(conn, premiere.id, guild=guild)
        self._poke(planned)
        choice = applies.choice_of(chosen) if chosen is not None else release
        channel = rules.ping_channel(
            premiere.channel_id, guild.announce_channel_id, premiere.first_channel_id
        )
        for ping in planned:
            if ping.kind != rules.PREMIERE:
                continue
            for line in ping.lines:
                if user_id in line.user_ids:
                    return Followed(film, ping, line, chosen, choice, applies, channel)
        return Followed(film, None, None, chosen, choice, applies, channel)

    async def set_member_country(self, user_id: int, country: str | None) -> bool:
        """Choose (or with None, forget) the country whose release dates apply to a member and
        re-plan their premieres; False if nothing changed."""
        async with self.db.transaction() as conn:
            changed = await settings.write_user_country(conn, user_id, country)
            if changed:
                await self.replan_user(conn, user_id)
        self.scheduler.poke()
        return changed

    async def unfollow(self, *, guild_id: int, user_id: int, film: Film) -> bool:
        async with self.db.transaction() as conn:
            premiere = await store.get(conn, guild_id, film.id)
            if premiere is None or not await store.unfollow(conn, premiere.id, user_id):
                return False
            await self.replan(conn, premiere.id)
        return True

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

    async def set_quiet(self, user_id: int, window: tuple[time, time] | None) -> None:
        """Set (or with None, clear) a member's nightly quiet hours and re-plan their pings."""
        async with self.db.transaction() as conn:
            await store.set_quiet(conn, user_id, window)
            await self.replan_user(conn, user_id)
        self.scheduler.poke()

    # ------------------------------------------------------------------ servers
    async def set_channel(
        self, *, guild_id: int, film: Film, channel_id: int, set_by: int | None = None
    ) -> None:
        """Choose where a film's pings go; ``set_by`` is told if pings there ever fail."""
        async with self.db.transaction() as conn:
            premiere = await store.ensure(conn, guild_id, film.id, channel_id)
            await store.set_channel(conn, premiere.id, channel_id, set_by)
            planned = await self.replan(conn, premiere.id)
        self._poke(planned)  # after the commit: the scheduler must find the new rows

    async def set_heads_up(
        self, *, guild_id: int, film: Film, lead: timedelta | None, channel_id: int
    ) -> None:
        async with self.db.transaction() as conn:
            premiere = await store.ensure(conn, guild_id, film.id, channel_id)
            await store.set_heads_up(conn, premiere.id, lead)
            planned = await self.replan(conn, premiere.id)
        self._poke(planned)  # after the commit: the scheduler must find the new rows

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

    async def channel_deleted(self, channel_id: int) -> None:
        """A ping channel was deleted: its premieres fall back to the default channel."""
        async with self.db.transaction() as conn:
            for premiere_id in await store.clear_channel(conn, channel_id):
                await self.replan(conn, premiere_id)
        self.scheduler.poke()

    async def forget_guild(self, guild_id: int) -> None:
        """The bot left a server (or it was deleted): drop its premieres and pending pings."""
        async with self.db.transaction() as conn:
            dropped = await store.forget_guild(conn, guild_id)
        if dropped:
            log.info("Dropped %d premieres of server %s, which the bot left", dropped, guild_id)

    async def summary(self, guild_id: int, user_id: int | None = None) -> list[view.Listed]:
        """Each film this server follows: followers, where the pings go, the next ping, and
        (for ``user_id``, when they follow it) which release they follow and when it's out."""
        rows = await store.guild_summary(self.db, guild_id)
        guild = await self.preferences.guild(guild_id)
        items = []
        for premiere, count, next_due in rows:
            film = await self.films.get(premiere.film_id)
            channel = rules.ping_channel(
                premiere.channel_id, guild.announce_channel_id, premiere.first_channel_id
            )
            lead = format_duration(premiere.heads_up) if premiere.heads_up else None
            yours = None
            if user_id is not None:
                yours = await self._yours(premiere.id, user_id, film, guild.zone)
            items.append(view.Listed(film.title, count, channel, next_due, lead, yours))
        return items

    async def _yours(
        self, premiere_id: int, user_id: int, film: Film, default_zone: str | None
    ) -> view.Yours | None:
        """What one member follows of a premiere, or None if they don't."""
        found = await store.followers(self.db, premiere_id, user_id)
        if not found:
            return None
        f = found[0]
        applies = rules.applicable(film, f.zone_key, default_zone, f.country)
        release = applies.pick(f.release)
        if release is None:
            return view.Yours(f.release, None, applies.country)
        return view.Yours(applies.choice_of(release), applies.out_at(release), applies.country)

    # ------------------------------------------------------------------ delivery
    async def build_delivery(self, delivery: Delivery, late: bool) -> list[Outgoing]:
        """The ping for one channel (or one DM) at one instant, from the planned lines, minus
        members who stopped following since it was planned."""
        channel_id, user_id, lines = rules.from_data(delivery.data)
        premiere = await store.get_by_id(self.db, delivery.ref_id)
        if premiere is None:
            return []
        planned_ids = [uid for line in lines for uid in line.user_ids]
        following = await store.still_following(self.db, premiere.id, planned_ids)
        lines = without(lines, set(planned_ids) - following)
        if not lines:
            return []
        try:
            film = await self._film(premiere.film_id)
        except FilmNotFound:
            log.warning("Premiere %s: film %s is gone, nothing sent", premiere.id, premiere.film_id)
            return []
        if user_id is not None:
            return [Outgoing(view.dm(film, delivery.kind, lines, late), user_id=user_id)]
        head = view.header(film, delivery.kind, lines, late)
        return [
            Outgoing(content, channel_id=channel_id, mention_ids=ids)
            for content, ids in render.grouped_pings(head, lines)
        ]

    async def report_failure(self, delivery: Delivery, reason: str) -> list[Outgoing]:
        """Whom to tell that a premiere's pings can never be sent in a channel, in order (the
        scheduler sends the first that goes through): the announce channel (unless that is the
        one failing), the member who chose the ping channel (a DM), the server's owner (a DM).
        Told once per premiere and failing channel, until `/premiere channel` is used again;
        with nobody to tell, nothing is claimed, so a later failure can still be reported. A DM
        follower's closed DMs are theirs, not the server's: nobody is told."""
        channel_id, _, _ = rules.from_data(delivery.data)
        premiere = await store.get_by_id(self.db, delivery.ref_id)
        if channel_id is None or premiere is None:
            return []
        announce = await self.preferences.announce_channel_id(premiere.guild_id)
        owner = await self.owner_of(premiere.guild_id)
        targets: list[tuple[int | None, int | None]] = []  # (channel, DM user)
        if announce is not None and announce != channel_id:
            targets.append((announce, None))
        for user_id in dict.fromkeys((premiere.channel_set_by, owner)):
            if user_id is not None:
                targets.append((None, user_id))
        if not targets:
            log.warning(
                "Premiere %s: pings in channel %s fail (%s) and nobody can be told",
                premiere.id,
                channel_id,
                reason,
            )
            return []
        async with self.db.transaction() as conn:
            if not await store.claim_problem_report(conn, premiere.id, channel_id):
                return []
        try:
            title = (await self._film(premiere.film_id)).title
        except FilmNotFound:
            title = premiere.film_id
        text = view.failure(title, channel_id, reason)
        return [Outgoing(text, channel_id=channel, user_id=user) for channel, user in targets]
