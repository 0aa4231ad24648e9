"""The catalogue service on a real database and the loopback TMDB: imports, the refresh."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.services import catalog as catalog_module
from bot.services.catalog import STALE_AFTER, Catalog
from bot.sources.tmdb import Tmdb
from bot.storage.db import Database, open_database
from bot.storage.films import sync_films
from bot.storage.filmstore import FilmStore
from fakecord.clock import ShiftedClock
from faketmdb import FakeTmdb
from tests.databases import fresh_database
from tests.e2e.film_helpers import films_dir, minimal_film

NOW = datetime(2025, 5, 20, 12, 0, tzinfo=UTC)
PARASITE = 496243
GONE, GARBLED = 900404, 900405  # TMDB answers 404 for the one, a document without a title


def curated(film_id: str, title: str, tmdb_id: int) -> tuple[str, str]:
    """A film file naming its TMDB record."""
    text = minimal_film(film_id, title).replace(
        f'id = "{film_id}"', f'id = "{film_id}"\ntmdb_id = {tmdb_id}', 1
    )
    return film_id, text


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await open_database(fresh_database(tmp_path, "db.sqlite3"))
    folder = films_dir(
        tmp_path,
        curated("gone-film", "Gone Film", GONE),
        curated("garbled-film", "Garbled Film", GARBLED),
        curated("good-film", "Good Film", PARASITE),
    )
    try:
        assert not (await sync_films(database, folder)).errors
        yield database
    finally:
        await database.close()


@pytest.fixture
async def fake_tmdb() -> AsyncIterator[FakeTmdb]:
    async with FakeTmdb() as fake:
        fake.add({"id": GARBLED, "title": ""})
        yield fake


@pytest.fixture
async def tmdb(fake_tmdb: FakeTmdb) -> AsyncIterator[Tmdb]:
    client = Tmdb(fake_tmdb.token, fake_tmdb.base_url)
    yield client
    await client.close()


async def test_refresh_goes_past_films_tmdb_has_no_readable_record_of(
    db: Database, tmdb: Tmdb, fake_tmdb: FakeTmdb
) -> None:
    catalog = Catalog(await FilmStore.open(db), tmdb, ShiftedClock(NOW))
    await catalog.refresh_stale(NOW)
    assert [fake_tmdb.count(f"/3/movie/{n}") for n in (GONE, GARBLED, PARASITE)] == [1, 1, 1]
    await catalog.refresh_stale(NOW)  # the next round: the failed ones wait a day
    assert len(fake_tmdb.requests) == 3


async def test_refresh_stops_for_now_when_tmdb_is_not_answering(
    db: Database, tmdb: Tmdb, fake_tmdb: FakeTmdb
) -> None:
    catalog = Catalog(await FilmStore.open(db), tmdb, ShiftedClock(NOW))
    fake_tmdb.fail(10, status=503)
    assert await catalog.refresh_stale(NOW) == []
    assert len(fake_tmdb.requests) == catalog_module.GIVE_UP_AFTER
    assert len(await catalog.films.stale_in_use(NOW - STALE_AFTER, 10)) == 3  # tried next round


async def test_a_film_tmdb_fails_for_alone_waits_and_the_round_goes_on(
    db: Database, tmdb: Tmdb, fake_tmdb: FakeTmdb
) -> None:
    catalog = Catalog(await FilmStore.open(db), tmdb, ShiftedClock(NOW))
    fake_tmdb.fail(1, status=503)  # only the first film's answer fails
    await catalog.refresh_stale(NOW)
    assert len(fake_tmdb.requests) == 3  # the round went on past it
    assert await catalog.films.stale_in_use(NOW - STALE_AFTER, 10) == []  # and it waits a day


async def test_a_stored_tmdb_film_is_found_by_its_tmdb_value_while_tmdb_is_off(
    db: Database, tmdb: Tmdb
) -> None:
    films = await FilmStore.open(db)
    await Catalog(films, tmdb, ShiftedClock(NOW)).resolve("tmdb:693134", None)
    later = ShiftedClock(NOW + 2 * STALE_AFTER)  # stale: with TMDB it would be fetched again
    film = await Catalog(films, None, later).resolve("tmdb:693134", None)
    assert film.title == "Dune: Part Two"


async def test_an_import_runs_to_the_end_when_the_deadline_passes_during_it(
    db: Database, tmdb: Tmdb, monkeypatch: pytest.MonkeyPatch
) -> None:
    budget = 1.0
    monkeypatch.setattr(catalog_module, "RESOLVE_BUDGET", budget)
    films = await FilmStore.open(db)
    handled: list[str] = []

    async def slow_listener(film_id: str) -> None:  # like a premiere re-plan
        await asyncio.sleep(budget + 0.3)
        handled.append(film_id)

    films.on_change.append(slow_listener)
    film = await Catalog(films, tmdb, ShiftedClock(NOW)).resolve("tmdb:693134", None)
    assert film.title == "Dune: Part Two"
    assert handled == ["tmdb-693134"]
    assert await films.tmdb_fetched("tmdb-693134") == (693134, NOW)
