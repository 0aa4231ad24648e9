"""The films the bot knows, as the database holds them: names in memory, facts on demand.

Every film is a row of the ``films`` table, whichever way it came (a curated file synced by
:mod:`bot.storage.films`, TMDB, a server's own form). ``FilmStore`` searches their names in
memory and reads a film's facts from its row when asked (through an LRU cache); nothing is read
from a film file at request time. The big index is the one saved in ``film_index`` (or built
and saved at start-up); films changed since — by this process or any other sharing the
database — are picked up from ``film_changes`` by :meth:`FilmStore.refresh` (every couple of
seconds, :meth:`FilmStore.watch`) into a small index of their own.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import sys
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.domain import filmcodec, search
from bot.domain.filmmerge import merge
from bot.domain.films import Film, FilmIndex, FilmIndexBuilder, SearchHit
from bot.domain.layered import REMOVED, LayeredIndex
from bot.errors import DataError, FilmNotFound
from bot.storage.db import Database, Queries, one_at_a_time
from bot.storage.films import parse_film_bytes, record_changes, release_rows, write_releases

log = logging.getLogger(__name__)

#: How often a running bot looks for films changed by another process (``films import``).
WATCH_SECONDS = 2.0
#: Fewer changed films than this are indexed in the event loop, more in a thread.
INLINE_INDEX = 200
#: Tiers of changed films are merged at once while the merge holds at most this many films;
#: past MAX_TIERS, the watch loop merges them all (see FilmStore.compact).
INLINE_MERGE = 16
MAX_TIERS = 8

_to_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

# (label, names JSON) of one film's row: what its index entry is built from.
_Entry = tuple[str, str]


class FilmStore:
    """Films for the bot: names from in-memory indexes, facts from the database (LRU cached).

    A server's own films (``guild_id``) are only found in that server: pass its id to the
    lookups. Reading a film by id (:meth:`get`) is not limited: ids come from the bot's rows.
    """

    def __init__(
        self,
        db: Database,
        index: FilmIndex,
        *,
        seen_seq: int = 0,
        own: Iterable[tuple[str, str, str, int]] = (),
        cache_size: int = 1024,
    ) -> None:
        self._db = db
        self._base = index
        self._seen_seq = seen_seq
        # Films every server sees that changed since the base index was built: small indexes
        # ("tiers", each with the films it holds current), merged as they pile up, and the
        # layer that holds each such film's current version (REMOVED: none).
        self._tiers: list[tuple[FilmIndex, dict[str, _Entry]]] = []
        self._latest: dict[str, int] = {}
        self._own: dict[int, dict[str, _Entry]] = {}  # guild -> its own films
        self._own_index: dict[int, FilmIndex] = {}
        self._guild_of: dict[str, int] = {}
        for film_id, label, names, guild_id in own:
            self._own.setdefault(guild_id, {})[film_id] = (label, names)
            self._guild_of[film_id] = guild_id
        for guild_id in self._own:
            self._own_index[guild_id] = _index_of(self._own[guild_id])
        self._views: dict[int | None, LayeredIndex] = {}
        self._cache: OrderedDict[str, Film] = OrderedDict()
        self._cache_size = cache_size
        self._refreshing = asyncio.Lock()
        #: Called with each film id a refresh found changed (e.g. to re-plan its premieres).
        self.on_change: list[Callable[[str], Awaitable[object]]] = []

    @classmethod
    async def open(cls, db: Database, cache_size: int = 1024) -> FilmStore:
        """The store over the films table (sync the files first): its saved index when the
        table hasn't changed since it was saved, else one built and saved."""
        index, seen = await _load_index(db)
        own = await db.fetchall(
            "SELECT id, label, names, guild_id FROM films WHERE guild_id IS NOT NULL"
        )
        store = cls(db, index, seen_seq=seen, own=[tuple(r) for r in own], cache_size=cache_size)
        await store.refresh(notify=False)  # the films changed since the saved index was built
        return store

    # ------------------------------------------------------------------ names
    def index_for(self, guild_id: int | None = None) -> LayeredIndex:
        """Every film a member in this server (None: anywhere, e.g. in DMs) may find."""
        view = self._views.get(guild_id)
        if view is None:
            layers = [self._base, *(tier for tier, _ in self._tiers)]
            own = self._own_index.get(guild_id) if guild_id is not None else None
            if own is not None:
                layers.append(own)
            view = self._views[guild_id] = LayeredIndex(layers, self._latest)
        return view

    @property
    def index(self) -> LayeredIndex:
        """The films every server sees."""
        return self.index_for(None)

    def __len__(self) -> int:
        return len(self.index) + sum(len(films) for films in self._own.values())

    def complete(
        self, text: str, limit: int = 25, guild_id: int | None = None
    ) -> list[tuple[str, str]]:
        """(label, film_id) suggestions for autocomplete, best first."""
        return self.index_for(guild_id).complete(text, limit)

    def search(self, text: str, limit: int = 10, guild_id: int | None = None) -> list[SearchHit]:
        """Films matching text by title, alias, person or character, best first."""
        return self.index_for(guild_id).search(text, limit)

    def best(self, text: str, guild_id: int | None = None) -> str | None:
        """The id of the film a typed title means, or None when unsure."""
        return self.index_for(guild_id).best(text)

    # ------------------------------------------------------------------ facts
    async def get(self, film_id: str, conn: Queries | None = None) -> Film:
        """The film with this id; FilmNotFound if the store has none. Inside a transaction,
        pass its ``conn`` (a cache miss reads the database)."""
        film = self._cache.get(film_id)
        if film is not None:
            self._cache.move_to_end(film_id)
            return film
        # A TMDB copy of a curated film reads as the curated film (see films._tie_tmdb_copies).
        row = await (conn or self._db).fetchone(
            "SELECT coalesce(c.origin, f.origin), coalesce(c.doc, f.doc), "
            "coalesce(c.tmdb_doc, f.tmdb_doc), coalesce(c.path, f.path), "
            "coalesce(c.label, f.label) FROM films f LEFT JOIN films c ON c.id = f.alias_of "
            "WHERE f.id = ?",
            (film_id,),
        )
        if row is None:
            raise FilmNotFound(
                f"I don't know a film with the id '{film_id[:100]}'. Try `/film search`."
            )
        film = await asyncio.to_thread(_decode, *row)
        self._cache[film_id] = film
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return film

    async def resolve(self, text: str, guild_id: int | None = None) -> Film:
        """The film a member means by text (an id from autocomplete, or a typed title)."""
        text = text.strip()
        index = self.index_for(guild_id)
        if index.has_film(text):
            return await self.get(text)
        film_id = index.best(text)
        if film_id is not None:
            return await self.get(film_id)
        shown = text[:100]
        labels = [label for label, _ in index.complete(text, limit=3)]
        if not labels:
            raise FilmNotFound(f"I don't know a film called '{shown}'. Try `/film search`.")
        options = labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} or {labels[-1]}"
        raise FilmNotFound(
            f"I don't know a film called '{shown}'. Did you mean {options}? Try `/film search`."
        )

    # ------------------------------------------------------------------ writes
    async def put_tmdb(self, film: Film, fetched_at: datetime) -> str:
        """Keep TMDB's record of a film (``film.tmdb_id`` set); the id of the store's film for
        it: a curated film naming that TMDB id (which keeps its facts, TMDB's added beside
        them), else TMDB's own."""
        assert film.tmdb_id is not None
        now = _now()
        doc = filmcodec.to_json(film)
        fetched = fetched_at.astimezone(UTC).isoformat(timespec="seconds")
        async with self._db.transaction() as conn:
            curated = await conn.fetchone(
                "SELECT id, doc, path FROM films WHERE tmdb_id = ? AND origin = 'file' LIMIT 1",
                (film.tmdb_id,),
            )
            if curated is not None:
                film_id = curated[0]
                merged = merge(parse_film_bytes(curated[1].encode(), curated[2]), film)
                await conn.execute(
                    "UPDATE films SET tmdb_doc = ?, fetched_at = ?, names = ?, loaded_at = ? "
                    "WHERE id = ?",
                    (doc, fetched, _to_json(merged.index_rows()), now, film_id),
                )
                await write_releases(conn, {film_id: release_rows(merged)})
            else:
                film_id = film.id
                await conn.execute(
                    _PUT_TMDB,
                    (film_id, film.path, film.title, _digest(doc), _to_json(film.index_rows()))
                    + (now, film.tmdb_id, doc, fetched),
                )
                await write_releases(conn, {film_id: release_rows(film)})
            await record_changes(conn, [film_id], now)
        await self.refresh()
        return film_id

    async def add_own(self, guild_id: int, film: Film, added_by: int) -> None:
        """Keep a film a server added itself (seen only there); FileExistsError if its id is
        taken."""
        now = _now()
        doc = filmcodec.to_json(film)
        async with self._db.transaction() as conn:
            # One statement, not a look then an insert: of two servers (or processes) adding
            # the same id at once, the second is told the id is taken.
            added = await conn.fetchval(
                "INSERT INTO films (id, path, label, content_hash, size, mtime_ns, names, "
                "loaded_at, origin, guild_id, doc, added_by) "
                "VALUES (?, ?, ?, ?, 0, 0, ?, ?, 'guild', ?, ?, ?) "
                "ON CONFLICT (id) DO NOTHING RETURNING id",
                (film.id, film.path, film.title, _digest(doc), _to_json(film.index_rows()))
                + (now, guild_id, doc, added_by),
            )
            if added is None:
                raise FileExistsError(film.id)
            await write_releases(conn, {film.id: release_rows(film)})
            await record_changes(conn, [film.id], now)
        await self.refresh()

    async def remove_own(self, guild_id: int, film_id: str) -> bool:
        """Forget a server's own film; False if that server has no such film."""
        async with self._db.transaction() as conn:
            if not await conn.execute(
                "DELETE FROM films WHERE id = ? AND guild_id = ?", (film_id, guild_id)
            ):
                return False
            await record_changes(conn, [film_id], _now())
        await self.refresh()
        return True

    def own_films(self, guild_id: int) -> list[tuple[str, str]]:
        """(label, film_id) of a server's own films, by label."""
        films = self._own.get(guild_id, {})
        return sorted(((label, fid) for fid, (label, _) in films.items()), key=lambda f: f[0])

    async def tmdb_fetched(self, film_id: str) -> tuple[int, datetime] | None:
        """(TMDB id, when TMDB's record was fetched) of a film that has one."""
        row = await self._db.fetchone(
            "SELECT tmdb_id, fetched_at FROM films WHERE id = ? AND tmdb_doc IS NOT NULL",
            (film_id,),
        )
        return (int(row[0]), datetime.fromisoformat(row[1])) if row else None

    async def film_for_tmdb(self, tmdb_id: int) -> str | None:
        """The id of the store's film for a TMDB id (a curated one first), if it has one."""
        row = await self._db.fetchone(
            "SELECT id FROM films WHERE tmdb_id = ? AND (origin = 'file' OR tmdb_doc IS NOT "
            "NULL) ORDER BY origin = 'file' DESC LIMIT 1",
            (tmdb_id,),
        )
        return row[0] if row else None

    async def known_tmdb_ids(self, ids: list[int]) -> set[int]:
        """Those of these TMDB ids the store has a film for (every server's)."""
        if not ids:
            return set()
        marks = ",".join("?" * len(ids))
        rows = await self._db.fetchall(
            f"SELECT tmdb_id FROM films WHERE tmdb_id IN ({marks}) AND guild_id IS NULL",
            tuple(ids),
        )
        return {int(r[0]) for r in rows}

    async def stale_in_use(self, before: datetime, limit: int) -> list[tuple[str, int]]:
        """(film id, TMDB id) of the films to fetch from TMDB again: those a party or a premiere
        uses whose record was fetched before ``before`` (the stalest first), and curated films
        naming a TMDB id whose record was never fetched (nor tried since ``before``)."""
        cutoff = before.astimezone(UTC).isoformat(timespec="seconds")
        # In use: by its own id, or by the id of a TMDB copy that stands for it (alias_of).
        rows = await self._db.fetchall(
            "WITH used AS (SELECT film_id AS id FROM parties WHERE status = 'active'"
            " UNION SELECT film_id FROM premieres),"
            " used_all AS (SELECT id FROM used UNION"
            " SELECT f.alias_of FROM films f JOIN used u ON u.id = f.id"
            " WHERE f.alias_of IS NOT NULL)"
            " SELECT id, tmdb_id FROM films WHERE tmdb_id IS NOT NULL AND alias_of IS NULL AND ("
            " (origin = 'file' AND tmdb_doc IS NULL AND (fetched_at IS NULL OR fetched_at < ?)) OR"
            " (tmdb_doc IS NOT NULL AND fetched_at < ? AND id IN (SELECT id FROM used_all)))"
            " ORDER BY fetched_at IS NOT NULL, fetched_at LIMIT ?",
            (cutoff, cutoff, limit),
        )
        return [(r[0], int(r[1])) for r in rows]

    async def fetch_failed(self, film_id: str, when: datetime) -> None:
        """Note a fetch from TMDB that can't succeed soon (a 404, an unreadable document), so
        the film waits its turn like a fresh one instead of heading every refresh."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE films SET fetched_at = ? WHERE id = ?",
                (when.astimezone(UTC).isoformat(timespec="seconds"), film_id),
            )

    async def in_use(self, film_id: str) -> int:
        """How many active parties and followed premieres use this film."""
        row = await self._db.fetchone(
            "SELECT (SELECT count(*) FROM parties WHERE film_id = ? AND status = 'active') + "
            "(SELECT count(*) FROM premieres p JOIN follows f ON f.premiere_id = p.id "
            " WHERE p.film_id = ?)",
            (film_id, film_id),
        )
        return int(row[0]) if row else 0

    async def coming_out(
        self, country: str | None, start: datetime, end: datetime, guild_id: int | None
    ) -> list[str]:
        """Ids of the films with a release in ``country`` (or worldwide) dated from ``start``
        to ``end`` (UTC days), soonest first: the films every server sees, and ``guild_id``'s
        own."""
        rows = await self._db.fetchall(
            "SELECT r.film_id, min(r.day) AS first FROM film_releases r "
            "JOIN films f ON f.id = r.film_id "
            "WHERE r.day BETWEEN ? AND ? AND r.region IN (?, 'WORLDWIDE') "
            "AND (f.guild_id IS NULL OR f.guild_id = ?) AND f.alias_of IS NULL "
            "GROUP BY r.film_id ORDER BY first, r.film_id LIMIT 50",
            (start.date().isoformat(), end.date().isoformat(), (country or "").upper(), guild_id),
        )
        return [r[0] for r in rows]

    # ------------------------------------------------------------------ changes
    async def refresh(self, *, notify: bool = True) -> list[str]:
        """Pick up the films changed since the last look (by any process), tell the
        ``on_change`` listeners (unless ``notify`` is off), and return their ids."""
        async with self._refreshing:
            rows = await self._db.fetchall(
                "SELECT seq, film_id FROM film_changes WHERE seq > ? ORDER BY seq",
                (self._seen_seq,),
            )
            if not rows:
                return []
            ids = list(dict.fromkeys(r[1] for r in rows))
            current: dict[str, tuple[str, str, int | None]] = {}
            for start in range(0, len(ids), 500):
                part = ids[start : start + 500]
                marks = ",".join("?" * len(part))
                for film_id, label, names, guild_id in await self._db.fetchall(
                    "SELECT id, label, names, guild_id FROM films "
                    f"WHERE id IN ({marks}) AND alias_of IS NULL",
                    tuple(part),
                ):
                    current[film_id] = (label, names, guild_id)
            guilds: set[int] = set()
            fresh: dict[str, _Entry] = {}  # global films' current versions, for a new tier
            gone: list[str] = []
            stale = set(ids)  # and copies cached under another id (a TMDB copy's)
            for cached_id in [k for k, f in self._cache.items() if f.id in stale]:
                del self._cache[cached_id]
            for film_id in ids:
                self._cache.pop(film_id, None)
                old_guild = self._guild_of.pop(film_id, None)
                if old_guild is not None:
                    self._own[old_guild].pop(film_id, None)
                    guilds.add(old_guild)
                now = current.get(film_id)
                if now is not None and now[2] is not None:
                    self._own.setdefault(now[2], {})[film_id] = (now[0], now[1])
                    self._guild_of[film_id] = now[2]
                    guilds.add(now[2])  # (a server's film never has a global version)
                elif now is not None:
                    fresh[film_id] = (now[0], now[1])
                else:
                    gone.append(film_id)
            await self._add_tier(fresh, gone)
            for guild_id in guilds:
                films = self._own.get(guild_id)
                if films:
                    self._own_index[guild_id] = await _build(films)
                else:
                    self._own.pop(guild_id, None)
                    self._own_index.pop(guild_id, None)
            self._views.clear()
            self._seen_seq = int(rows[-1][0])
        if not notify:
            return ids
        for film_id in ids:
            for listener in self.on_change:
                try:
                    await listener(film_id)
                except Exception:
                    log.exception("A change of film %s could not be handled", film_id)
        return ids

    async def _add_tier(self, fresh: dict[str, _Entry], gone: list[str]) -> None:
        """Index ``fresh`` films as a new tier (their old versions hidden) and hide ``gone``
        ones; merge the newest tiers while the newer is at least half the older's size and the
        merge is small (bigger merges wait for :meth:`compact`, off the path of the change).
        Tiers are copied on write and swapped in at once with ``latest``: a lookup never sees
        half of a change, and :meth:`compact` can tell whether the tiers it merged were touched."""
        tiers = list(self._tiers)
        latest = dict(self._latest)
        for film_id in [*fresh, *gone]:
            where = latest.get(film_id)
            if where is not None and where > 0:
                index, films = tiers[where - 1]
                if films is self._tiers[where - 1][1]:
                    tiers[where - 1] = (index, films := dict(films))
                films.pop(film_id, None)
        for film_id in gone:
            latest[film_id] = REMOVED
        if fresh:
            tiers.append((await _build(fresh), dict(fresh)))
            while (
                len(tiers) > 1
                and 2 * len(tiers[-1][1]) >= len(tiers[-2][1])
                and len(tiers[-1][1]) + len(tiers[-2][1]) <= INLINE_MERGE
            ):
                newer = tiers.pop()[1]
                films = {**tiers.pop()[1], **newer}
                tiers.append((await _build(films), films))
            _place(tiers, latest)
        self._tiers, self._latest = tiers, latest

    async def compact(self) -> bool:
        """Merge every tier but the newest into one, when there are more than MAX_TIERS (built
        in a thread, outside the lock; given up when a change touched those tiers meanwhile).
        Whether it merged."""
        merging = self._tiers[:-1]
        if len(self._tiers) <= MAX_TIERS:
            return False
        films: dict[str, _Entry] = {}
        for _, part in merging:
            films.update(part)
        index = await _build(films)
        async with self._refreshing:
            current = self._tiers[: len(merging)]
            if len(current) != len(merging) or any(
                a[1] is not b[1] for a, b in zip(current, merging, strict=True)
            ):
                return False
            tiers = [(index, films), *self._tiers[len(merging) :]]
            latest = dict(self._latest)
            _place(tiers, latest)
            self._tiers, self._latest = tiers, latest
            self._views.clear()
        return True

    async def watch(self, interval: float = WATCH_SECONDS) -> None:
        """Refresh (and compact) every ``interval`` seconds, for ever (run it as a task; cancel
        to stop). A failure is logged and tried again at the next tick."""
        while True:
            await asyncio.sleep(interval)
            try:
                await self.refresh()
                await self.compact()
            except Exception:
                log.exception("Could not look for changed films; trying again shortly")


def _place(tiers: list[tuple[FilmIndex, dict[str, _Entry]]], latest: dict[str, int]) -> None:
    """Point ``latest`` at the tier holding each of their films (tier n is layer n + 1)."""
    for position, (_, films) in enumerate(tiers, 1):
        for film_id in films:
            latest[film_id] = position


_PUT_TMDB = """
INSERT INTO films (id, path, label, content_hash, size, mtime_ns, names, loaded_at, origin,
                   tmdb_id, tmdb_doc, fetched_at)
VALUES (?, ?, ?, ?, 0, 0, ?, ?, 'tmdb', ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET
    label = excluded.label, content_hash = excluded.content_hash, names = excluded.names,
    loaded_at = excluded.loaded_at, tmdb_doc = excluded.tmdb_doc, fetched_at = excluded.fetched_at
"""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def _index_of(films: dict[str, _Entry]) -> FilmIndex:
    builder = FilmIndexBuilder()
    for film_id, (label, names) in films.items():
        builder.add_film(film_id, label, json.loads(names))
    return builder.build()


async def _build(films: dict[str, _Entry]) -> FilmIndex:
    """The index of a few films at once; of many in a thread (the event loop keeps going)."""
    if len(films) < INLINE_INDEX:
        return _index_of(films)
    return await asyncio.to_thread(_index_of, dict(films))


def _decode(origin: str, doc: str | None, tmdb_doc: str | None, path: str, label: str) -> Film:
    """A film from its row: a file's text (with TMDB's facts added when it has them), TMDB's
    record, or a server's own film. A row that can't be read is reported as not found."""
    try:
        if origin == "file":
            assert doc is not None
            film = parse_film_bytes(doc.encode(), path)
            return merge(film, filmcodec.from_json(tmdb_doc)) if tmdb_doc else film
        text = tmdb_doc if origin == "tmdb" else doc
        assert text is not None
        return filmcodec.from_json(text)
    except (AssertionError, DataError, ValueError) as problem:
        log.warning("The stored data of film '%s' can't be read: %s", label, problem)
        raise FilmNotFound(
            f"The data for '{label}' can't be read right now. Try again after the films are "
            "reloaded."
        ) from None


#: More films changed since the saved index was built than this: build a new one at start-up
#: rather than index the changes beside it.
REBUILD_AFTER = 5_000
#: Any number: the advisory lock (PostgreSQL) under which one process at a time builds the index.
_INDEX_LOCK = 7_361_045


async def _load_index(db: Database) -> tuple[FilmIndex, int]:
    """(the saved index, the last change it includes) when it was saved by this code and at most
    REBUILD_AFTER films changed since (the caller indexes those beside it); else a new index of
    the films table, saved in place of the old. A saved index that can't be read is rebuilt,
    with a warning. Processes starting together build it once: the others wait, then load it."""
    saved = await _saved_index(db)
    if saved is not None:
        return saved
    async with one_at_a_time(db, _INDEX_LOCK):
        saved = await _saved_index(db, quiet=True)  # another process may have just saved one
        if saved is not None:
            return saved
        # The change number first: a change made while the index is built is then indexed
        # again beside it (harmless) rather than missed.
        latest = await db.fetchone("SELECT coalesce(max(seq), 0) FROM film_changes")
        seq = int(latest[0]) if latest else 0
        index = await _build_index(db)
        dumped = index.dumps()
        fingerprint = f"{_SEARCH_CODE}:{seq}"
        async with db.transaction() as conn:
            await conn.execute("DELETE FROM film_index")
            number = 0
            while (part := await asyncio.to_thread(next, dumped, None)) is not None:
                await conn.execute(
                    "INSERT INTO film_index (fingerprint, part, data) VALUES (?, ?, ?)",
                    (fingerprint, number, part),
                )
                number += 1
    return index, seq


async def _saved_index(db: Database, *, quiet: bool = False) -> tuple[FilmIndex, int] | None:
    """The saved index and the last change it includes, if it is good to use (see
    :func:`_load_index`); None if one must be built. ``quiet``: no second warning about an
    unreadable one."""
    row = await db.fetchone("SELECT fingerprint FROM film_index LIMIT 1")
    saved = row[0] if row else ""
    code, _, seq_text = saved.partition(":")
    if code != _SEARCH_CODE or not seq_text.isdigit():
        return None
    seq = int(seq_text)
    behind = await db.fetchone(
        "SELECT count(DISTINCT film_id) FROM film_changes WHERE seq > ?", (seq,)
    )
    if behind is None or behind[0] > REBUILD_AFTER:
        return None
    sql = "SELECT data FROM film_index WHERE fingerprint = ? ORDER BY part"
    parts = [r[0] for r in await db.fetchall(sql, (saved,))]
    try:
        return await asyncio.to_thread(FilmIndex.loads, _drain(parts)), seq
    except ValueError as problem:
        # (Or another process replaced it between the two reads: the rebuild loads theirs.)
        if not quiet:
            log.warning("Rebuilding the film index: the saved one can't be read (%s)", problem)
        return None


def _drain(parts: list[bytes]) -> Iterator[bytes]:
    """parts, first to last, each let go of as soon as it is handed out."""
    parts.reverse()
    while parts:
        yield parts.pop()


#: Which code a saved index was built by: the search module's source (any change to it, e.g. to
#: normalize, invalidates a saved index) and Python's version (marshal's format).
_SEARCH_CODE = hashlib.blake2b(
    Path(search.__file__).read_bytes() + f"{sys.version_info[:2]} {sys.byteorder}".encode(),
    digest_size=16,
).hexdigest()


async def _build_index(db: Database) -> FilmIndex:
    """Stream the films table into a FilmIndexBuilder (in a thread, chunk by chunk, so the
    event loop keeps running and a million names never sit in memory as rows at once)."""
    builder = FilmIndexBuilder()
    sql = (
        "SELECT id, label, names FROM films WHERE guild_id IS NULL AND alias_of IS NULL ORDER BY id"
    )
    async for rows in db.stream(sql):
        await asyncio.to_thread(_add_rows, builder, rows)
    return await asyncio.to_thread(builder.build)


def _add_rows(builder: FilmIndexBuilder, rows: Iterable[Any]) -> None:
    loads = json.loads
    for film_id, label, names in rows:
        builder.add_film(film_id, label, loads(names))
