"""FakeTmdb: TMDB's API v3 on 127.0.0.1, answering in TMDB's documented shapes.

    fake = FakeTmdb()                        # the catalogue in faketmdb/catalogue/ loaded
    base_url = await fake.start()            # "http://127.0.0.1:PORT/3"
    tmdb = Tmdb(fake.token, base_url)
    fake.throttle(1, retry_after=0.2)        # the next answer is a 429 with Retry-After
    ...
    await fake.stop()

Endpoints: ``/3/search/movie``, ``/3/movie/{id}`` (with ``append_to_response``),
``/3/movie/upcoming``, ``/3/authentication``; anything else is TMDB's 404. Every request needs
``Authorization: Bearer <token>`` (else TMDB's 401, status_code 7). Faults for tests: ``delay``
seconds before each answer, the next answers scripted as 429s, 5xx or garbage, and a log of
every request (``requests``) with the peak of concurrent ones (``peak_in_flight``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
from collections import deque
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web

log = logging.getLogger(__name__)

CATALOGUE = Path(__file__).resolve().parent / "catalogue"
PAGE_SIZE = 20
UPCOMING_DAYS = 28  # TMDB's upcoming window reaches about four weeks ahead
#: The parts of a movie document that come only with append_to_response.
APPENDABLE = frozenset(
    {
        "alternative_titles",
        "credits",
        "external_ids",
        "images",
        "keywords",
        "recommendations",
        "release_dates",
        "reviews",
        "similar",
        "translations",
        "videos",
        "watch/providers",
    }
)
MAX_APPEND = 20
CINEMA_TYPES = frozenset({2, 3})
SEARCH_FIELDS = (
    "adult",
    "backdrop_path",
    "id",
    "original_language",
    "original_title",
    "overview",
    "popularity",
    "poster_path",
    "release_date",
    "title",
    "video",
    "vote_average",
    "vote_count",
)

# TMDB's error bodies (developer.themoviedb.org/docs/errors), by TMDB status code.
ERRORS = {
    7: (401, "Invalid API key: You must be granted a valid key."),
    9: (503, "Service offline: This service is temporarily offline, try again later."),
    11: (500, "Internal error: Something went wrong, contact TMDB."),
    22: (400, "Invalid page: Pages start at 1 and max at 500. They are expected to be an integer."),
    25: (429, "Your request count (#) is over the allowed limit of (40)."),
    27: (400, "Too many append to response objects: The maximum number of remote calls is 20."),
    34: (404, "The resource you requested could not be found."),
}
_CODE_FOR_STATUS = {500: 11, 503: 9}


@dataclass(frozen=True)
class _Scripted:
    """One scripted answer: TMDB's error ``code`` (its HTTP status), or a raw ``body``."""

    status: int
    code: int | None = None
    body: str | None = None
    retry_after: float | None = None


def load_catalogue(folder: Path = CATALOGUE) -> list[dict[str, Any]]:
    """The movie documents in ``folder`` (one JSON file each), by file name."""
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))]


class FakeTmdb:
    """TMDB on a random port of 127.0.0.1; ``catalogue=False`` starts it empty."""

    def __init__(
        self,
        token: str = "faketmdb-read-token",
        *,
        catalogue: bool = True,
        today: date | None = None,
    ) -> None:
        self.token = token
        #: "Today" for /movie/upcoming (None: the real date).
        self.today = today
        #: Seconds each answer waits (requests still count as in flight meanwhile).
        self.delay = 0.0
        #: Every request in arrival order: (path, query parameters).
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.in_flight = 0
        self.peak_in_flight = 0
        self._movies: dict[int, dict[str, Any]] = {}
        self._script: deque[_Scripted] = deque()
        self._cooldown_until = 0.0  # loop time: 429s until then, after a scripted 429
        self._runner: web.AppRunner | None = None
        self._stopping = asyncio.Event()
        self.port = 0
        for movie in load_catalogue() if catalogue else ():
            self.add(movie)

    # --- the catalogue and faults ---------------------------------------------------------------

    def add(self, movie: dict[str, Any]) -> None:
        """Add (or replace) a movie: a full ``/movie/{id}`` document with every appended part."""
        self._movies[int(movie["id"])] = movie

    def movie(self, tmdb_id: int) -> dict[str, Any]:
        """The stored document (for tests to compare with)."""
        return self._movies[tmdb_id]

    def throttle(self, count: int = 1, *, retry_after: float = 1) -> None:
        """The next ``count`` answers are 429s (status_code 25) with this Retry-After (seconds);
        like TMDB, the fake then refuses every request until that time has passed."""
        self._script.extend(_Scripted(429, 25, retry_after=retry_after) for _ in range(count))

    def fail(self, count: int = 1, *, status: int = 500) -> None:
        """The next ``count`` answers are TMDB's 500 (status_code 11) or 503 (status_code 9)."""
        code = _CODE_FOR_STATUS[status]
        self._script.extend(_Scripted(status, code) for _ in range(count))

    def garble(self, count: int = 1, *, body: str = '{"page": 1, "results": [') -> None:
        """The next ``count`` answers are 200s whose body is ``body`` (by default cut-off JSON)."""
        self._script.extend(_Scripted(200, body=body) for _ in range(count))

    def count(self, path: str) -> int:
        """How many requests asked for ``path`` ("/3/search/movie")."""
        return sum(1 for p, _ in self.requests if p == path)

    # --- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> str:
        """Listen on a free port of 127.0.0.1; returns the API's base URL (…/3)."""
        if self._runner is None:
            self._stopping.clear()
            app = web.Application(middlewares=[self._middleware])
            app.router.add_get("/3/search/movie", self._search)
            app.router.add_get("/3/movie/upcoming", self._upcoming)
            app.router.add_get(r"/3/movie/{id:\d+}", self._movie)
            app.router.add_get("/3/authentication", self._authentication)
            app.router.add_route("*", "/{tail:.*}", self._unknown)
            runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            self._runner = runner
            self.port = int(runner.addresses[0][1])
        return self.base_url

    async def stop(self) -> None:
        """Close the server; answers still waiting out ``delay`` are cut short."""
        self._stopping.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/3"

    async def __aenter__(self) -> FakeTmdb:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # --- every request --------------------------------------------------------------------------

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self.requests.append((request.path, dict(request.query)))
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            if self.delay > 0:
                try:
                    await asyncio.wait_for(self._stopping.wait(), self.delay)
                except TimeoutError:
                    pass
            now = asyncio.get_running_loop().time()
            if now < self._cooldown_until:
                return _error(25, {"Retry-After": _seconds(self._cooldown_until - now)})
            if self._script:
                answer = self._script.popleft()
                if answer.retry_after is not None:
                    self._cooldown_until = now + answer.retry_after
                return _scripted(answer)
            if request.headers.get("Authorization") != f"Bearer {self.token}":
                return _error(7)
            response: web.StreamResponse = await handler(request)
            return response
        finally:
            self.in_flight -= 1

    async def _unknown(self, request: web.Request) -> web.Response:
        return _error(34)

    async def _authentication(self, request: web.Request) -> web.Response:
        return _json({"success": True, "status_code": 1, "status_message": "Success."})

    # --- movies ---------------------------------------------------------------------------------

    async def _movie(self, request: web.Request) -> web.Response:
        movie = self._movies.get(int(request.match_info["id"]))
        if movie is None:
            return _error(34)
        wanted = {p.strip() for p in request.query.get("append_to_response", "").split(",")}
        wanted.discard("")
        if len(wanted) > MAX_APPEND:
            return _error(27)
        doc = {k: v for k, v in movie.items() if k not in APPENDABLE or k in wanted}
        # An appended part TMDB has nothing for comes back empty, not missing.
        for part in wanted & APPENDABLE - doc.keys():
            doc[part] = _empty_part(part)
        return _json(doc)

    async def _search(self, request: web.Request) -> web.Response:
        page = _page(request.query.get("page", "1"))
        if page is None:
            return _error(22)
        query = _words(request.query.get("query", ""))
        year = request.query.get("year") or request.query.get("primary_release_year")
        found = [
            m
            for m in self._movies.values()
            if query
            and any(query in _words(t) for t in _titles(m))
            and (not year or str(m.get("release_date") or "").startswith(year))
            and not (m.get("adult") and request.query.get("include_adult") != "true")
        ]
        found.sort(key=lambda m: -float(m.get("popularity") or 0))
        return _json(_paged(found, page))

    async def _upcoming(self, request: web.Request) -> web.Response:
        page = _page(request.query.get("page", "1"))
        if page is None:
            return _error(22)
        region = request.query.get("region", "").upper() or None
        first = self.today or date.today()
        last = first + timedelta(days=UPCOMING_DAYS)
        found = [m for m in self._movies.values() if _opens(m, region, first, last)]
        found.sort(key=lambda m: str(m.get("release_date") or ""))
        body = {"dates": {"maximum": last.isoformat(), "minimum": first.isoformat()}}
        return _json({**body, **_paged(found, page)})


# --- helpers ----------------------------------------------------------------------------------


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        text=json.dumps(body, ensure_ascii=False),
        status=status,
        headers=headers,
        content_type="application/json",
    )


def _error(code: int, headers: dict[str, str] | None = None) -> web.Response:
    status, message = ERRORS[code]
    body = {"status_code": code, "status_message": message, "success": False}
    return _json(body, status, headers)


def _scripted(answer: _Scripted) -> web.Response:
    if answer.body is not None:
        return web.Response(text=answer.body, status=answer.status, content_type="application/json")
    assert answer.code is not None
    wait = answer.retry_after
    return _error(answer.code, {"Retry-After": _seconds(wait)} if wait is not None else None)


def _seconds(wait: float) -> str:
    """A Retry-After value: whole seconds as TMDB sends them ("2"), or a fraction for tests."""
    return str(int(wait)) if wait == int(wait) else f"{math.ceil(wait * 1000) / 1000:.3f}"


def _page(text: str) -> int | None:
    """TMDB's page parameter: 1 to 500."""
    return int(text) if text.isdigit() and 1 <= int(text) <= 500 else None


def _paged(movies: list[dict[str, Any]], page: int) -> dict[str, Any]:
    chunk = movies[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    return {
        "page": page,
        "results": [_result(m) for m in chunk],
        "total_pages": max(1, -(-len(movies) // PAGE_SIZE)),
        "total_results": len(movies),
    }


def _result(movie: dict[str, Any]) -> dict[str, Any]:
    """A movie as TMDB lists it in search results and lists."""
    result = {k: movie.get(k) for k in SEARCH_FIELDS}
    result["genre_ids"] = [g["id"] for g in movie.get("genres") or [] if "id" in g]
    return result


def _words(text: str) -> str:
    """Text as a search compares it: lower case, punctuation dropped, one space between words
    ("Dune: Part Two" and "dune part two" match, as on TMDB)."""
    return " ".join("".join(c if c.isalnum() else " " for c in text.casefold()).split())


def _titles(movie: dict[str, Any]) -> list[str]:
    titles = [movie.get("title"), movie.get("original_title")]
    titles += [t.get("title") for t in (movie.get("alternative_titles") or {}).get("titles", [])]
    return [t for t in titles if isinstance(t, str) and t]


def _opens(movie: dict[str, Any], region: str | None, first: date, last: date) -> bool:
    """Whether the movie opens in cinemas in ``region`` (any, when None) between the dates."""
    days: list[str] = []
    for country in (movie.get("release_dates") or {}).get("results", []):
        if region is None or country.get("iso_3166_1") == region:
            days += [
                str(r.get("release_date") or "")[:10]
                for r in country.get("release_dates", [])
                if r.get("type") in CINEMA_TYPES
            ]
    if region is None:
        days.append(str(movie.get("release_date") or ""))
    return any(first.isoformat() <= d <= last.isoformat() for d in days if len(d) == 10)


def _empty_part(part: str) -> dict[str, Any]:
    if part == "credits":
        return {"cast": [], "crew": []}
    if part == "alternative_titles":
        return {"titles": []}
    if part == "translations":
        return {"translations": []}
    if part in ("release_dates", "watch/providers"):
        return {"results": [] if part == "release_dates" else {}}
    if part == "external_ids":
        return {"imdb_id": None}
    return {"page": 1, "results": [], "total_pages": 0, "total_results": 0}
