"""Finding any film: the store first, TMDB (when configured) for the films the store lacks.

Every film option goes through here: :meth:`Catalog.suggest` for autocomplete (the store's
matches at once; TMDB's, labelled "· TMDB", only when the store has few and only within a small
budget) and :meth:`Catalog.resolve` for what a member picked or typed (an autocomplete value,
an id, or a title: the store's match, else TMDB's best, imported). A film imported from TMDB is
kept in the database like every other, refreshed in the background when stale, and keeps
working from the stored copy while TMDB is down or switched off.

Commands look films up before they can defer, so everything one look-up asks TMDB (a search,
then a movie) shares one deadline, RESOLVE_BUDGET from its start, inside Discord's 3 s. Only
the HTTP is timed; keeping a newly imported film (a write whose listeners re-plan premieres)
always runs to the end, and a stored film is answered from its copy (a stale one is fetched
again in the background), so no reply waits for a re-plan.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import TypeVar

from bot.clock import Clock
from bot.domain import ownfilm, questions, releases, search
from bot.domain.films import Film
from bot.domain.releases import Upcoming
from bot.domain.usertext import plain
from bot.errors import (
    BadOption,
    FilmNotFound,
    TmdbBadDocument,
    TmdbBadToken,
    TmdbError,
    TmdbNotFound,
    TmdbUnavailable,
)
from bot.render import films as film_view
from bot.sources.tmdb import Tmdb
from bot.sources.tmdb_map import TmdbHit
from bot.storage.filmstore import FilmStore

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Autocomplete asks TMDB only when the store has fewer matches than this.
FEW_LOCAL = 5
#: How long autocomplete waits for TMDB (Discord's deadline is 3 s for the whole answer); a
#: search not back by then goes on and serves the next keystroke from the cache.
SUGGEST_BUDGET = 0.6
#: How long one command's look-up may wait for TMDB in all (its search and its fetch), before
#: saying TMDB isn't answering: what Discord's 3 s leave after the rest of the reply.
RESOLVE_BUDGET = 2.3
#: TMDB prefix of autocomplete values: "tmdb:496243".
TMDB_VALUE = "tmdb:"
#: Films imported from TMDB are fetched again when older than this (release dates move).
STALE_AFTER = timedelta(days=1)
#: How often the background refresh looks for stale films, and how many it fetches a round.
REFRESH_EVERY = 3600.0
REFRESH_BATCH = 50
#: The refresh round ends after this many films in a row TMDB did not answer for.
GIVE_UP_AFTER = 3
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
        self._refreshing: dict[int, asyncio.Task[None]] = {}  # TMDB id -> its refresh on read

    async def close(self) -> None:
        """Stop refreshes still running in the background."""
        tasks = list(self._refreshing.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # ------------------------------------------------------------------ finding
    async def suggest(self, text: str, guild_id: int | None, limit: int = 25) -> list[Suggestion]:
        """Autocomplete: the store's matches, then (when they are few) TMDB's, within budget."""
        local = [
            Suggestion(label, value) for label, value in self.films.complete(text, limit, guild_id)
        ]
        if len(local) >= FEW_LOCAL:
            return local
        hits = await self._hits_soon(text)
        known = await self.films.known_tmdb_ids([h.tmdb_id for h in hits])
        return (local + [_suggestion(h) for h in hits if h.tmdb_id not in known])[:limit]

    async def suggest_tmdb(self, text: str, limit: int = 25) -> list[Suggestion]:
        """TMDB's films only (for /film add), within the autocomplete budget."""
        return [_suggestion(h) for h in (await self._hits_soon(text))[:limit]]

    async def _hits_soon(self, text: str) -> list[TmdbHit]:
        """TMDB's search results within the autocomplete budget; none when TMDB is off, slow or
        failing (autocomplete stays quiet: the command then says what is wrong)."""
        if self.tmdb is None or len(search.compact(text)) < 2:
            return []
        try:
            return await self.tmdb.search_soon(text, SUGGEST_BUDGET) or []
        except TmdbError:
            return []

    async def resolve(self, text: str, guild_id: int | None) -> Film:
        """The film a member means: an autocomplete value, an id, or a typed title."""
        text = text.strip()
        tmdb_id = _tmdb_value(text)
        if tmdb_id is not None:
            return await self.from_tmdb(tmdb_id)
        try:
            film = await self.films.resolve(text, guild_id)
        except FilmNotFound as not_here:
            if self.tmdb is None:
                raise FilmNotFound(f"{not_here} {TMDB_OFF_HINT}") from None
            found = await self._tmdb_match(text)
            if found is None:
                raise
            return found
        await self._refresh_if_stale(film)
        return film

    async def _refresh_if_stale(self, film: Film) -> None:
        """A stored TMDB film read after STALE_AFTER is fetched again in the background (this
        answer uses the stored copy; the next one the fresh record)."""
        if self.tmdb is None or film.tmdb_id is None or film.tmdb_id in self._refreshing:
            return
        fetched = await self.films.tmdb_fetched(film.id)
        if fetched is None or self.clock.now() - fetched[1] < STALE_AFTER:
            return
        tmdb_id = film.tmdb_id
        task = asyncio.create_task(self._refresh_one(tmdb_id), name=f"tmdb-refresh-{tmdb_id}")
        self._refreshing[tmdb_id] = task
        task.add_done_callback(lambda _: self._refreshing.pop(tmdb_id, None))

    async def _refresh_one(self, tmdb_id: int) -> None:
        try:
            await self._fetch(tmdb_id)
        except TmdbError as problem:
            log.info("Refreshing TMDB film %d on read failed: %s", tmdb_id, type(problem).__name__)
        except Exception:
            log.exception("Refreshing TMDB film %d on read failed", tmdb_id)

    async def find(self, text: str, guild_id: int | None) -> tuple[Film | None, bool]:
        """:meth:`resolve` for a title anyone may type (a watch party's): (the film, or None
        when no catalogue has it; whether TMDB could not be asked, logged), so the party takes
        the title as typed. A TMDB value picked from autocomplete names a TMDB film, so its
        errors still raise."""
        if _tmdb_value(text.strip()) is not None:  # picked from autocomplete
            return await self.resolve(text, guild_id), False
        try:
            return await self.resolve(text, guild_id), False
        except TmdbError as problem:
            log.info("TMDB could not look up a typed title: %s", type(problem).__name__)
            return None, True
        except FilmNotFound:
            return None, False

    async def add_from_tmdb(self, text: str) -> Film:
        """/film add's film: TMDB's, for an autocomplete value or a typed title (TMDB's best
        match, never the store's), kept in the store."""
        if self.tmdb is None:
            raise BadOption(TMDB_OFF_HINT + " Leave `tmdb` empty to describe the film yourself.")
        text = text.strip()
        tmdb_id = _tmdb_value(text)
        if tmdb_id is not None:
            return await self.from_tmdb(tmdb_id)
        found = await self._tmdb_match(text)
        if found is None:
            raise FilmNotFound(
                f"TMDB has no film called '{plain(text[:100])}'. Pick one from the suggestions, "
                "or leave `tmdb` empty to describe it yourself."
            )
        return found

    async def film_for_question(
        self, question: str, title: str | None, guild_id: int | None
    ) -> Film:
        """The film a /film ask question is about: the ``title`` option, else the store's film
        the question names, else (when it names no person or character) the title it names,
        from the store or TMDB."""
        if title:
            return await self.resolve(title, guild_id)
        index = self.films.index_for(guild_id)
        film_id = questions.find_film_in_question(question, index)
        if film_id is not None:
            return await self.films.get(film_id)
        named = questions.name_in_question(question, index)
        asked = questions.title_in_question(question)
        if named is None and asked is not None:
            try:
                return await self.resolve(asked, guild_id)
            except TmdbError:
                raise  # TMDB not answering is not an unknown film
            except FilmNotFound:
                hint = f" {TMDB_OFF_HINT}" if self.tmdb is None else ""
                raise FilmNotFound(
                    f"I don't know a film called '{plain(asked)}'. Try `/film search`, "
                    f"or pick one in the `title` option.{hint}"
                ) from None
        films = f" {film_view.name_in_films(named, index.label)}" if named else ""
        raise BadOption(
            f"Which film do you mean?{films} "
            "Name it in the question or pick one in the `title` option."
        )

    async def from_tmdb(self, tmdb_id: int, deadline: float | None = None) -> Film:
        """The film TMDB knows by this id: the stored copy when there is one (a stale one is
        fetched again in the background, so a reply never waits for TMDB and the store's
        listeners), else fetched by ``deadline`` (loop time; RESOLVE_BUDGET from now by
        default) and kept."""
        film_id = await self.films.film_for_tmdb(tmdb_id)
        if film_id is not None:
            film = await self.films.get(film_id)
            await self._refresh_if_stale(film)
            return film
        if self.tmdb is None:  # e.g. a /film upcoming menu made before the token was removed
            raise FilmNotFound(f"I don't have that film from TMDB stored. {TMDB_OFF_HINT}")
        return await self._fetch(tmdb_id, deadline)

    async def _fetch(self, tmdb_id: int, deadline: float | None = None) -> Film:
        """Fetch a film from TMDB (timed) and keep it (not timed: the write and the store's
        listeners, e.g. premiere re-plans, must finish)."""
        assert self.tmdb is not None
        now = self.clock.now()
        film = await _by(
            _deadline() if deadline is None else deadline, self.tmdb.film(tmdb_id, now.date())
        )
        return await self.films.get(await self.films.put_tmdb(film, now))

    async def _tmdb_match(self, text: str) -> Film | None:
        """TMDB's film for a typed title (see :meth:`_best_hit`), kept; the search and the
        fetch share one deadline."""
        deadline = _deadline()
        hit = await self._best_hit(text, deadline)
        return None if hit is None else await self.from_tmdb(hit.tmdb_id, deadline)

    async def _best_hit(self, text: str, deadline: float) -> TmdbHit | None:
        """TMDB's film for a typed title: one whose title is the text (the most popular first,
        in TMDB's order), else TMDB's first result when the text is a good part of its title."""
        assert self.tmdb is not None
        hits = await _by(deadline, self.tmdb.search(text))
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
        STALE_AFTER; the ids of those whose releases changed. A film TMDB has no readable
        record of, or doesn't answer for while it answers for others, waits a day; TMDB not
        answering GIVE_UP_AFTER times in a row ends the round quietly (tried again next round)."""
        if self.tmdb is None:
            return []
        now = now or self.clock.now()
        changed = []
        unanswered: list[str] = []  # films TMDB did not answer for
        in_a_row = 0  # after a few unanswered in a row, TMDB is down, not these films
        answered = False  # TMDB answered for some film this round
        for film_id, tmdb_id in await self.films.stale_in_use(now - STALE_AFTER, REFRESH_BATCH):
            try:
                before = (await self.films.get(film_id)).releases
                film = await self.tmdb.film(tmdb_id, now.date())
                await self.films.put_tmdb(film, now)
                answered, in_a_row = True, 0
                if (await self.films.get(film_id)).releases != before:
                    changed.append(film_id)
            except TmdbBadToken:
                log.info("Refreshing films from TMDB stopped: the token is refused")
                break
            except (TmdbNotFound, TmdbBadDocument) as problem:
                # Asking again at once won't help: without this the same film heads every round.
                log.info("TMDB has no readable record of %s: %s", film_id, type(problem).__name__)
                await self.films.fetch_failed(film_id, now)
                answered = True
            except TmdbError as problem:
                unanswered.append(film_id)
                in_a_row += 1
                if in_a_row >= GIVE_UP_AFTER:
                    log.info(
                        "Refreshing films from TMDB stopped for now: %s", type(problem).__name__
                    )
                    break
            except Exception:
                log.exception("Refreshing film %s from TMDB failed", film_id)
                await self.films.fetch_failed(film_id, now)
        if answered:  # TMDB works, so those failures were the films': they wait a day
            for film_id in unanswered:
                await self.films.fetch_failed(film_id, now)
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
                hits = await _by(_deadline(), self.tmdb.upcoming(country))
            except TmdbError:
                hits, tmdb_failed = [], True
            listed = {item.value for item in found}
            end = (now + UPCOMING_AHEAD).date()
            for hit in hits:
                if hit.release_date is None or not now.date() <= hit.release_date <= end:
                    continue
                stored = await self.films.film_for_tmdb(hit.tmdb_id)
                if stored in listed:
                    continue  # the store's dates for it are in the list already
                # TMDB's list is newer than a stored copy that no longer dates it here.
                value = stored or f"{TMDB_VALUE}{hit.tmdb_id}"
                found.append(
                    Upcoming(hit.title, value, None, hit.release_date, None, stored is None)
                )

        def when(item: Upcoming) -> date:
            return item.out_at.date() if item.out_at else item.day or date.max

        found.sort(key=lambda item: (when(item), item.title.casefold()))
        return found[:MAX_UPCOMING], tmdb_failed


def _deadline() -> float:
    """The loop time by which one look-up is done with TMDB."""
    return asyncio.get_running_loop().time() + RESOLVE_BUDGET


async def _by(deadline: float, call: Awaitable[T]) -> T:
    """A TMDB call cut off at ``deadline`` (loop time): TmdbUnavailable when it is not back."""
    try:
        async with asyncio.timeout_at(deadline):
            return await call
    except TimeoutError:
        raise TmdbUnavailable() from None


def _suggestion(hit: TmdbHit) -> Suggestion:
    return Suggestion(f"{hit.label[:90]} · TMDB", f"{TMDB_VALUE}{hit.tmdb_id}")


def _tmdb_value(text: str) -> int | None:
    """The TMDB id of an autocomplete value "tmdb:496243", else None."""
    if not text.startswith(TMDB_VALUE):
        return None
    digits = text[len(TMDB_VALUE) :]
    return int(digits) if digits.isdigit() and len(digits) < 10 else None
