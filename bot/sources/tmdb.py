"""TMDB's API v3 over HTTP: search, a movie's details, upcoming films, a token check.

One :class:`Tmdb` per bot. Its promises, which the commands build on:

- Every call is bounded by ``timeout`` seconds, waits included: a reply never hangs on TMDB.
- Searches are cached for ``search_ttl`` seconds by their normalised text; identical searches in
  flight share one request; at most ``max_in_flight`` requests run at once for the client.
- :meth:`Tmdb.search_soon` is for autocomplete: the cached answer at once, else at most
  ``budget`` seconds of waiting; a search that is not back by then keeps going and fills the
  cache for the next keystroke. At most ``max_soon`` such searches run at once for the client
  (a further keystroke gets None at once, asking nothing), so commands always find a slot.
- A 429 is honoured: a short ``Retry-After`` (<= 2 s, and within the call's time) is waited out
  and the request tried once more; while it runs no call asks TMDB (they wait or fail fast).
- Failures are :class:`~bot.errors.TmdbError` kinds with a message for members: TmdbBadToken
  (401, logged once until TMDB accepts the token again), TmdbNotFound (a movie's 404),
  TmdbBadDocument (a movie's document that can't be read), TmdbUnavailable (anything else).
  Nothing else escapes.

The token goes only into the ``Authorization`` header; it is never logged or shown in a repr.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import math
import time
from asyncio import FIRST_COMPLETED
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from datetime import date
from typing import Any

import aiohttp

from bot.domain.films import Film
from bot.errors import TmdbBadDocument, TmdbBadToken, TmdbError, TmdbNotFound, TmdbUnavailable
from bot.sources.tmdb_map import APPEND, TmdbHit, film_from_tmdb, hit_from_search

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.themoviedb.org/3"
LANGUAGE = "en-US"
SHORT_RETRY = 2.0  # seconds: a Retry-After up to this is waited out, once
MAX_BLOCK = (
    600.0  # seconds: a longer Retry-After is taken as this (a bad header can't stop us for days)
)
DEFAULT_RETRY_AFTER = 1.0  # a 429 without a readable Retry-After
CACHE_SIZE = 1024  # cached lists (searches, upcoming); the oldest go first
UPCOMING_PAGES = 2

Hits = tuple[TmdbHit, ...]


#: After TMDB refuses the token, calls fail at once for this long instead of asking again (a
#: revoked token would otherwise cost a refused request per keystroke); check() still asks.
REFUSED_PAUSE = 300.0


class Tmdb:
    """A client for TMDB's API v3 with a read access token (see the module docstring)."""

    def __init__(
        self,
        token: str,
        base_url: str = DEFAULT_BASE_URL,
        *,
        timeout: float = 4.0,
        search_ttl: float = 600.0,
        max_in_flight: int = 4,
        max_soon: int = 2,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self._token = token
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._ttl = search_ttl
        self._now = now
        self._slots = asyncio.Semaphore(max_in_flight)
        self._session: aiohttp.ClientSession | None = None
        self._cache: OrderedDict[Hashable, tuple[float, Hits]] = OrderedDict()
        self._pending: dict[Hashable, asyncio.Task[Hits]] = {}
        self._max_soon = max_soon
        self._soon: set[asyncio.Task[Hits]] = set()  # autocomplete's searches in flight
        self._waiting: dict[str, int] = {}  # texts waiting for one of those slots: how many
        self._token_refused = False  # logged once; a 200 clears it
        self._refused_until = -math.inf  # no request before this (self._now()) after a 401
        self._blocked_until = -math.inf  # no request before this (self._now()), after a 429
        self._closed = False

    def __repr__(self) -> str:  # never the token
        return f"Tmdb(base_url={self.base_url!r}, token=<hidden>)"

    # --- lifecycle ------------------------------------------------------------------------------

    async def close(self) -> None:
        """Stop searches still running in the background and close the HTTP session."""
        self._closed = True
        tasks = list(self._pending.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _http(self) -> aiohttp.ClientSession:
        # Created on first use: a ClientSession belongs to the running event loop.
        if self._session is None:
            self._session = aiohttp.ClientSession(
                headers={"Authorization": f"Bearer {self._token}", "accept": "application/json"},
                timeout=aiohttp.ClientTimeout(total=self.timeout),
            )
        return self._session

    # --- the API --------------------------------------------------------------------------------

    async def search(self, query: str, *, year: int | None = None) -> list[TmdbHit]:
        """Films whose titles match ``query`` (TMDB's order, first page), cached and shared."""
        text = _normalize(query)
        if not text:
            return []
        key = ("search", text, year)
        hits = self._cached(key)
        if hits is None:
            hits = await _join(self._shared(key, lambda: self._search(text, year)))
        return list(hits)

    async def search_soon(
        self, query: str, budget: float, *, year: int | None = None
    ) -> list[TmdbHit] | None:
        """:meth:`search`, waiting at most ``budget`` seconds: None when the answer is not back
        in time (the search goes on in the background and is cached for the next call)."""
        text = _normalize(query)
        if not text:
            return []
        key = ("search", text, year)
        hits = self._cached(key)
        if hits is not None:
            return list(hits)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(budget, 0)
        task = self._pending.get(key)
        self._waiting[text] = self._waiting.get(text, 0) + 1
        try:
            while task is None:
                # Every keystroke is a new text: without a cap, members typing fill every slot
                # and a command's own look-up queues behind searches nobody waits for. Past
                # the cap a keystroke waits (within its budget) for a slot, unless a longer
                # text typed after it waits too: nobody will see the shorter one's answer.
                if any(t != text and t.startswith(text) for t in self._waiting):
                    return None
                if len(self._soon) < self._max_soon:
                    task = self._shared(key, lambda: self._search(text, year))
                    self._soon.add(task)
                    task.add_done_callback(self._soon.discard)
                    break
                left = deadline - loop.time()
                if left <= 0:
                    return None
                await asyncio.wait(set(self._soon), timeout=left, return_when=FIRST_COMPLETED)
                hits = self._cached(key)
                if hits is not None:
                    return list(hits)
                task = self._pending.get(key)
        finally:
            self._waiting[text] -= 1
            if not self._waiting[text]:
                del self._waiting[text]
        await asyncio.wait({task}, timeout=max(deadline - loop.time(), 0))
        if not task.done():
            return None
        if task.cancelled():  # the client closed meanwhile
            raise TmdbUnavailable()
        return list(task.result())

    async def movie(self, tmdb_id: int) -> dict[str, Any]:
        """TMDB's document for one movie, in English, with every part the mapping reads."""
        missing = TmdbNotFound(tmdb_id)
        if tmdb_id.__class__ is not int or tmdb_id <= 0:
            raise missing
        params = {"language": LANGUAGE, "append_to_response": APPEND}
        doc = await self._get(f"/movie/{tmdb_id}", params, not_found=missing)
        if doc.__class__ is not dict or doc.get("id") != tmdb_id:
            log.warning("TMDB sent a movie document of the wrong shape for %d", tmdb_id)
            raise TmdbBadDocument()
        return doc

    async def film(self, tmdb_id: int, fetched: date) -> Film:
        """The film TMDB knows by ``tmdb_id``, its sources dated ``fetched``."""
        doc = await self.movie(tmdb_id)
        try:
            return film_from_tmdb(doc, fetched)
        except ValueError:
            log.warning("TMDB's document for movie %d has no title", tmdb_id)
            raise TmdbBadDocument() from None

    async def upcoming(self, region: str) -> list[TmdbHit]:
        """Films coming to cinemas in ``region`` (ISO 3166-1, e.g. "KR"): TMDB's first pages."""
        region = region.strip().upper()
        key = ("upcoming", region)
        hits = self._cached(key)
        if hits is None:
            hits = await _join(self._shared(key, lambda: self._upcoming(region)))
        return list(hits)

    async def check(self) -> None:
        """Ask TMDB whether the token is good: TmdbBadToken if not, TmdbUnavailable if TMDB
        can't say."""
        await self._get("/authentication", {})

    # --- lists: cached, shared while in flight --------------------------------------------------

    def _cached(self, key: Hashable) -> Hits | None:
        entry = self._cache.get(key)
        if entry is None:
            return None
        if entry[0] <= self._now():
            del self._cache[key]
            return None
        self._cache.move_to_end(key)
        return entry[1]

    def _shared(self, key: Hashable, fetch: Callable[[], Awaitable[Hits]]) -> asyncio.Task[Hits]:
        """The request in flight for ``key``, or a new one that caches its answer."""
        if self._closed:
            raise TmdbUnavailable()
        task = self._pending.get(key)
        if task is None:
            task = asyncio.create_task(self._fill(key, fetch), name=f"tmdb {key}")
            self._pending[key] = task
            task.add_done_callback(functools.partial(self._settled, key))
        return task

    async def _fill(self, key: Hashable, fetch: Callable[[], Awaitable[Hits]]) -> Hits:
        hits = await fetch()
        self._cache[key] = (self._now() + self._ttl, hits)
        self._cache.move_to_end(key)
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        return hits

    def _settled(self, key: Hashable, task: asyncio.Task[Hits]) -> None:
        if self._pending.get(key) is task:
            del self._pending[key]
        # Mark the outcome as seen: a search nobody waited for (search_soon gave up) must not
        # log "exception was never retrieved"; TmdbErrors were logged where they arose.
        if not task.cancelled() and (error := task.exception()) is not None:
            if not isinstance(error, TmdbError):
                log.error("TMDB request failed", exc_info=error)

    async def _search(self, text: str, year: int | None) -> Hits:
        params = {"query": text, "include_adult": "false", "language": LANGUAGE, "page": "1"}
        if year is not None:
            params["year"] = str(year)
        return _hits(await self._get("/search/movie", params))[0]

    async def _upcoming(self, region: str) -> Hits:
        deadline = asyncio.get_running_loop().time() + self.timeout
        hits: dict[int, TmdbHit] = {}
        page, pages = 1, 1
        while page <= min(pages, UPCOMING_PAGES):
            params = {"region": region, "language": LANGUAGE, "page": str(page)}
            try:
                found, pages = _hits(await self._get("/movie/upcoming", params, deadline=deadline))
            except TmdbUnavailable:
                if page == 1:
                    raise
                break  # the first page is worth showing without the second
            for hit in found:
                hits.setdefault(hit.tmdb_id, hit)
            page += 1
        return tuple(hits.values())

    # --- one request ----------------------------------------------------------------------------

    async def _get(
        self,
        path: str,
        params: dict[str, str],
        *,
        not_found: TmdbError | None = None,
        deadline: float | None = None,
    ) -> Any:
        """The parsed JSON of TMDB's 200 answer to GET ``path``, within the call's time."""
        if self._closed:
            raise TmdbUnavailable()
        if self._now() < self._refused_until and path != "/authentication":
            raise TmdbBadToken()  # refused a moment ago: asking again would be refused too
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout if deadline is None else deadline
        try:
            async with asyncio.timeout_at(deadline):
                for attempt in range(2):
                    await self._wait_out_block(deadline - loop.time())
                    async with self._slots:
                        # A 429 may have come back while this request waited for a slot.
                        await self._wait_out_block(deadline - loop.time())
                        async with self._http().get(self.base_url + path, params=params) as resp:
                            status, body = resp.status, await resp.read()
                            retry_after = _retry_after(resp.headers.get("Retry-After"))
                    if status != 429:
                        break
                    self._blocked_until = max(self._blocked_until, self._now() + retry_after)
                    log.warning("TMDB asks to wait %.1f s (429)", retry_after)
                    if attempt or retry_after > min(SHORT_RETRY, deadline - loop.time()):
                        raise TmdbUnavailable()
        except (TimeoutError, aiohttp.ClientError, OSError) as problem:
            log.warning("TMDB did not answer %s (%s)", path, type(problem).__name__)
            raise TmdbUnavailable() from None
        if status == 401:
            if not self._token_refused:  # once, not on every keystroke
                log.warning("TMDB refused the token (401)")
            self._token_refused = True
            self._refused_until = self._now() + REFUSED_PAUSE
            raise TmdbBadToken()
        if status == 200:
            self._token_refused = False
            self._refused_until = -math.inf
        return _answer(path, status, body, not_found)

    async def _wait_out_block(self, time_left: float) -> None:
        """Wait for a running Retry-After when it is short and fits the call; else fail fast."""
        wait = self._blocked_until - self._now()
        if wait <= 0:
            return
        if wait > min(SHORT_RETRY, time_left):
            raise TmdbUnavailable()
        await asyncio.sleep(wait)


async def _join(task: asyncio.Task[Hits]) -> Hits:
    """Wait for a shared request: a waiter's cancellation leaves it running for the others, and
    its cancellation (the client closing) is TmdbUnavailable to the waiters."""
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        me = asyncio.current_task()
        if (me is not None and me.cancelling()) or not task.cancelled():
            raise
        raise TmdbUnavailable() from None


# --- reading answers ------------------------------------------------------------------------------


def _normalize(query: str) -> str:
    """The cache key of a search: casefolded, spaces collapsed."""
    return " ".join(query.casefold().split())


def _retry_after(header: str | None) -> float:
    """Seconds from a Retry-After header (TMDB sends seconds); a default when unreadable."""
    try:
        seconds = float(header) if header is not None else DEFAULT_RETRY_AFTER
    except ValueError:
        seconds = DEFAULT_RETRY_AFTER
    return min(max(seconds, 0.0), MAX_BLOCK) if math.isfinite(seconds) else MAX_BLOCK


def _answer(path: str, status: int, body: bytes, not_found: TmdbError | None) -> Any:
    if status == 200:
        try:
            return json.loads(body)
        except ValueError:  # UnicodeDecodeError included
            log.warning("TMDB's answer to %s is not JSON", path)
            raise TmdbUnavailable() from None
    if status == 404 and not_found is not None:
        raise not_found
    log.warning("TMDB answered %d to %s", status, path)
    raise TmdbUnavailable()


def _hits(page: Any) -> tuple[Hits, int]:
    """The films in a page of results, and how many pages there are."""
    results = page.get("results") if page.__class__ is dict else None
    if results.__class__ is not list:
        log.warning("TMDB sent a list of results of the wrong shape")
        raise TmdbUnavailable()
    hits: list[TmdbHit] = []
    for result in results:
        try:
            hits.append(hit_from_search(result))
        except ValueError:  # an entry without id or title: leave it out
            continue
    pages = page.get("total_pages")
    return tuple(hits), pages if pages.__class__ is int else 1
