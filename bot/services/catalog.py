"""Finding any film: the store first, TMDB (when configured) for the films the store lacks.

Every film option goes through here: :meth:`Catalog.suggest` for autocomplete (the store's
matches at once; TMDB's, labelled "· TMDB", only when the store has few and only within a small
budget) and :meth:`Catalog.resolve` for what a member picked or typed (an autocomplete value,
an id, or a title: the store's match, else TMDB's best, imported). A film imported from TMDB is
kept in the database like every other, refreshed in the background when stale, and keeps
working from the stored copy while TMDB is down.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from bot.clock import Clock
from bot.domain import ownfilm, releases, search
from bot.domain.films import Film
from bot.domain.releases import Upcoming
from bot.errors import BadOption, FilmNotFound, TmdbError, TmdbUnavailable
from bot.sources.tmdb import Tmdb
from bot.sources.tmdb_map import TmdbHit
from bot.storage.filmstore import FilmStore

log = logging.getLogger(__name__)

#: Autocomplete asks TMDB only when the store has fewer matches than this.
FEW_LOCAL = 5
#: How long autocomplete waits for TMDB (Discord's deadline is 3 s for the whole answer); a
#: search not back by then goes on and serves the next keystroke from the cache.
SUGGEST_BUDGET = 0.6
#: How long a command waits for TMDB to find and import a film before saying it isn't answering.
RESOLVE_BUDGET = 2.2
#: TMDB prefix of autocomplete values: "tmdb:496243".
TMDB_VALUE = "tmdb:"
#: Films imported from TMDB are fetched again when older than this (release dates move).
STALE_AFTER = timedelta(days=1)
#: How often the background refresh looks for stale films, and how many it fetches a round.
REFRESH_EVERY = 3600.0
REFRESH_BATCH = 50
#: /film upcoming looks this far ahead, and lists at most this many films.
UPCOMING_AHEAD = timedelta(weeks=6)
MAX_UPCOMING = 15

TMDB_OFF_HINT = (
    "I only know the films in my own store. A bot operator can let me look up any film on TMDB "
    "by setting `TMDB_TOKEN` (see the README)."
)


@dataclass(frozen=True)
class Suggestion:
    label: str
    value: str


class Catalog:
    """The store and TMDB as one catalogue (TMDB optional: ``tmdb=None``)."""

    def __init__(self, films: FilmStore, tmdb: Tmdb | None, clock: Clock) -> None:
        self.films = films
        self.tmdb = tmdb
        self.clock = clock

    # ------------------------------------------------------------------ finding
    async def suggest(self, text: str, guild_id: int | None, limit: int = 25) -> list[Suggestion]:
        """Autocomplete: the store's matches, then (when they are few) TMDB's, within budget."""
        local = [
            Suggestion(label, value) for label, value in self.films.complete(text, limit, guild_id)
        ]
        if self.tmdb is None or len(local) >= FEW_LOCAL or len(search.compact(text)) < 2:
            return local
        try:
            hits = await self.tmdb.search_soon(text, SUGGEST_BUDGET)
        except TmdbError:
            return local  # autocomplete stays quiet; the command says what is wrong
        if not hits:
            return local
        known = await self.films.known_tmdb_ids([h.tmdb_id for h in hits])
        extra = [
            Suggestion(f"{hit.label[:90]} · TMDB", f"{TMDB_VALUE}{hit.tmdb_id}")
            for hit in hits
            if hit.tmdb_id not in known
        ]
        return (local + extra)[:limit]

    async def suggest_tmdb(self, text: str, limit: int = 25) -> list[Suggestion]:
        """TMDB's films only (for /film add), within the autocomplete budget."""
        if self.tmdb is None or len(search.compact(text)) < 2:
            return []
        try:
            hits = await self.tmdb.search_soon(text, SUGGEST_BUDGET)
        except TmdbError:
            return []
        return [
            Suggestion(f"{hit.label[:90]} · TMDB", f"{TMDB_VALUE}{hit.tmdb_id}")
            for hit in (hits or [])[:limit]
        ]

    async def resolve(self, text: str, guild_id: int | None) -> Film:
        """The film a member means: an autocomplete value, an id, or a typed title."""
        text = text.strip()
        tmdb_id = _tmdb_value(text)
        if tmdb_id is not None:
            return await self.from_tmdb(tmdb_id)
        try:
            return await self.films.resolve(text, guild_id)
        except FilmNotFound as not_here:
            if self.tmdb is None:
                raise FilmNotFound(f"{not_here} {TMDB_OFF_HINT}") from None
            hit = await self._best_hit(text)
            if hit is None:
                raise
            return await self.from_tmdb(hit.tmdb_id)

    async def find(self, text: str, guild_id: int | None) -> Film | None:
        """:meth:`resolve`, None when no catalogue has the film (TMDB errors still raise)."""
        try:
            return await self.resolve(text, guild_id)
        except TmdbError:
            raise
        except FilmNotFound:
            return None

    async def from_tmdb(self, tmdb_id: int) -> Film:
        """The film TMDB knows by this id: the stored copy when fresh, else fetched and kept.
        A stored copy is used when TMDB can't be reached."""
        film_id = await self.films.film_for_tmdb(tmdb_id)
        if film_id is not None:
            fetched = await self.films.tmdb_fetched(film_id)
            if fetched is not None and self.clock.now() - fetched[1] < STALE_AFTER:
                return await self.films.get(film_id)
        try:
            film_id = await asyncio.wait_for(self._import(tmdb_id), RESOLVE_BUDGET)
        except (TimeoutError, TmdbUnavailable):
            if film_id is None:
                raise TmdbUnavailable() from None
            log.info("TMDB is not answering; using the stored copy of %s", film_id)
        return await self.films.get(film_id)

    async def _import(self, tmdb_id: int) -> str:
        assert self.tmdb is not None
        now = self.clock.now()
        film = await self.tmdb.film(tmdb_id, now.date())
        return await self.films.put_tmdb(film, now)

    async def _best_hit(self, text: str) -> TmdbHit | None:
        """TMDB's film for a typed title: one whose title is the text (the most popular first,
        in TMDB's order), else TMDB's first result when the text is a good part of its title."""
        assert self.tmdb is not None
        try:
            hits = await asyncio.wait_for(self.tmdb.search(text), RESOLVE_BUDGET)
        except TimeoutError:
            raise TmdbUnavailable() from None
        wanted = search.compact(text)
        for hit in hits:
            if wanted in {search.compact(hit.title), search.compact(hit.original_title or "")}:
                return hit
        if hits and len(wanted) >= 4 and wanted in search.compact(hits[0].title):
            return hits[0]
        return None

    # ------------------------------------------------------------------ keeping fresh
    async def refresh_stale(self, now: datetime | None = None) -> list[str]:
        """Fetch again the TMDB films in use (by a party or a premiere) fetched longer ago than
        STALE_AFTER; the ids of those whose releases changed. TMDB errors end the round quietly."""
        if self.tmdb is None:
            return []
        now = now or self.clock.now()
        changed = []
        for film_id, tmdb_id in await self.films.stale_in_use(now - STALE_AFTER, REFRESH_BATCH):
            before = (await self.films.get(film_id)).releases
            try:
                await self._import(tmdb_id)
            except TmdbError as problem:
                log.info("Refreshing films from TMDB stopped for now: %s", type(problem).__name__)
                break
            if (await self.films.get(film_id)).releases != before:
                changed.append(film_id)
        return changed

    # ------------------------------------------------------------------ a server's own films
    async def add_own(
        self,
        *,
        guild_id: int,
        member_id: int,
        member: str,
        server: str,
        zone_key: str | None,
        title: str,
        release: str,
        runtime: str,
        synopsis: str,
    ) -> tuple[Film, list[str]]:
        """Keep a film the server describes itself (seen there only); the film and notes."""
        film, notes = ownfilm.own_film(
            guild_id=guild_id,
            title=title,
            release=release,
            runtime=runtime,
            synopsis=synopsis,
            zone_key=zone_key,
            member=member,
            server=server,
            today=self.clock.now().date(),
        )
        try:
            await self.films.add_own(guild_id, film, member_id)
        except FileExistsError:
            raise BadOption(
                f"This server already has its own film called {film.title}. Remove it first with "
                "`/film remove`, or pick another title."
            ) from None
        return film, notes

    async def remove_own(self, guild_id: int, film_id: str) -> str:
        """Forget a server's own film; its title. Refused while a party or a follow uses it."""
        label = dict((fid, lbl) for lbl, fid in self.films.own_films(guild_id)).get(film_id)
        if label is None:
            raise FilmNotFound(
                "That is not one of this server's own films. `/film remove` offers only those."
            )
        used = await self.films.in_use(film_id)
        if used:
            raise BadOption(
                f"{label} is still used by {used} watch party or premiere follow(s). Cancel those "
                "first, then remove it."
            )
        await self.films.remove_own(guild_id, film_id)
        return label

    async def upcoming(
        self, country: str | None, guild_id: int | None, tz: tzinfo | None
    ) -> tuple[list[Upcoming], bool]:
        """Films coming out in the next weeks in ``country`` (the store's, then TMDB's upcoming
        list), soonest first; and whether TMDB could not be asked (False when it is off)."""
        now = self.clock.now()
        found: list[Upcoming] = []
        for film_id in await self.films.coming_out(country, now, now + UPCOMING_AHEAD, guild_id):
            film = await self.films.get(film_id)
            applies = releases.for_country(film, country, tz)
            ahead = [r for r in applies.ordered if applies.out_at(r) > now]
            if ahead:
                kind = applies.choice_of(ahead[0])
                found.append(
                    Upcoming(film.title, film.id, applies.out_at(ahead[0]), None, kind, False)
                )
        tmdb_failed = False
        if self.tmdb is not None and country is not None:
            try:
                hits = await asyncio.wait_for(self.tmdb.upcoming(country), RESOLVE_BUDGET)
            except (TimeoutError, TmdbError):
                hits, tmdb_failed = [], True
            known = await self.films.known_tmdb_ids([h.tmdb_id for h in hits])
            end = (now + UPCOMING_AHEAD).date()
            for hit in hits:
                if hit.tmdb_id in known or hit.release_date is None:
                    continue
                if now.date() <= hit.release_date <= end:
                    value = f"{TMDB_VALUE}{hit.tmdb_id}"
                    found.append(Upcoming(hit.title, value, None, hit.release_date, None, True))

        def when(item: Upcoming) -> date:
            return item.out_at.date() if item.out_at else item.day or date.max

        found.sort(key=lambda item: (when(item), item.title.casefold()))
        return found[:MAX_UPCOMING], tmdb_failed


def _tmdb_value(text: str) -> int | None:
    """The TMDB id of an autocomplete value "tmdb:496243", else None."""
    if not text.startswith(TMDB_VALUE):
        return None
    digits = text[len(TMDB_VALUE) :]
    return int(digits) if digits.isdigit() and len(digits) < 10 else None
