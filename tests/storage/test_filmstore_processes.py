"""FilmStore and sync_films shared by several processes (each its own ``open_database`` of the
same target): start-ups together, changes committed out of order, the same film added twice."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.domain.films import Film
from bot.storage.db import Database, open_database
from bot.storage.films import SyncReport, parse_film_bytes, record_changes, sync_films
from bot.storage.filmstore import FilmStore
from tests.databases import as_process, fresh_database, postgres_only
from tests.storage.test_films_store import SEED, small_film
from tests.storage.test_filmstore import FETCHED, tmdb_film

PROCESSES = 4
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC).isoformat(timespec="seconds")


@pytest.fixture
def films_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "films"
    directory.mkdir()
    shutil.copy(SEED, directory / SEED.name)
    for film_id, title in [("silent-harbor", "The Silent Harbor"), ("quiet-port", "Quiet Port")]:
        (directory / f"{film_id}.toml").write_text(small_film(film_id, title))
    return directory


@pytest.fixture
async def processes(tmp_path: Path) -> AsyncIterator[list[Database]]:
    """PROCESSES connections to one fresh database, as as many bot processes would have."""
    target = fresh_database(tmp_path)
    opened = [await open_database(target) for _ in range(PROCESSES)]
    yield opened
    for db in opened:
        await db.close()


def own_film(film_id: str, title: str) -> Film:
    return parse_film_bytes(small_film(film_id, title).encode(), f"{film_id}.toml")


async def test_processes_opening_the_store_together_all_get_the_same_index(
    processes: list[Database], films_dir: Path
) -> None:
    await sync_films(processes[0], films_dir)  # no index saved yet: each open must build one
    stores = await asyncio.gather(*(FilmStore.open(db) for db in processes))
    found = [store.complete("", limit=25) for store in stores]
    assert len(found[0]) == 3
    assert all(f == found[0] for f in found)
    saved = await processes[0].fetchall("SELECT DISTINCT fingerprint FROM film_index")
    assert len(saved) == 1


async def test_bots_starting_together_load_the_films_once(
    processes: list[Database], films_dir: Path
) -> None:
    async def start(db: Database) -> tuple[SyncReport, FilmStore]:
        return await sync_films(db, films_dir), await FilmStore.open(db)

    started = await asyncio.gather(*(start(db) for db in processes))
    reports = sorted((r for r, _ in started), key=lambda r: len(r.added))
    assert [len(r.added) for r in reports] == [0] * (PROCESSES - 1) + [3]
    assert all(r.unchanged == 3 for r in reports[:-1])
    assert all(store.best("quiet port") == "quiet-port" for _, store in started)
    changes = await processes[0].fetchval("SELECT count(*) FROM film_changes")
    assert changes == 3


async def test_one_id_added_by_several_servers_at_once_is_taken_by_one(
    processes: list[Database], films_dir: Path
) -> None:
    await sync_films(processes[0], films_dir)
    stores = [await FilmStore.open(db) for db in processes]
    film = own_film("our-film", "Our Film")
    outcomes = await asyncio.gather(
        *(s.add_own(1000 + n, film, 7) for n, s in enumerate(stores)), return_exceptions=True
    )
    assert sorted(type(o).__name__ for o in outcomes) == ["FileExistsError"] * (PROCESSES - 1) + [
        "NoneType"
    ]
    winner = 1000 + outcomes.index(None)
    assert await processes[0].fetchval("SELECT guild_id FROM films WHERE id = 'our-film'") == (
        winner
    )


async def test_one_tmdb_film_imported_by_several_processes_at_once_is_kept_once(
    processes: list[Database], films_dir: Path
) -> None:
    await sync_films(processes[0], films_dir)
    stores = [await FilmStore.open(db) for db in processes]
    film = tmdb_film(496243, "Parasite")
    ids = await asyncio.gather(*(s.put_tmdb(film, FETCHED) for s in stores))
    assert ids == ["tmdb-496243"] * PROCESSES
    db = processes[0]
    assert await db.fetchval("SELECT count(*) FROM films WHERE tmdb_id = 496243") == 1
    releases = await db.fetchval("SELECT count(*) FROM film_releases WHERE film_id = 'tmdb-496243'")
    assert releases == len(film.releases)
    for store in stores:
        await store.refresh()
        assert store.best("parasite") == "tmdb-496243"


@postgres_only
async def test_a_change_numbered_first_but_committed_last_is_still_seen(
    tmp_path: Path, films_dir: Path
) -> None:
    """Writer A numbers its change first and holds its transaction open while writer B (another
    process) numbers and commits one: a reader refreshing in between must not move past A's."""
    target = fresh_database(tmp_path)
    reader = await open_database(target)
    first = await open_database(target)
    named, app = as_process(target, "second")
    second = await open_database(named)
    try:
        await sync_films(reader, films_dir)
        store = await FilmStore.open(reader)

        async def write_second() -> None:
            async with second.transaction() as conn:
                await record_changes(conn, ["quiet-port"], NOW)

        async def second_waits() -> None:
            while not await reader.fetchval(  # noqa: ASYNC110 (polling the server)
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE application_name = ? AND wait_event_type = 'Lock'",
                (app,),
            ):
                await asyncio.sleep(0.02)

        seen: list[str] = []
        async with first.transaction() as conn:
            await record_changes(conn, ["silent-harbor"], NOW)
            writing = asyncio.create_task(write_second())
            waiting = asyncio.create_task(second_waits())
            async with asyncio.timeout(10):
                await asyncio.wait({writing, waiting}, return_when=asyncio.FIRST_COMPLETED)
            waiting.cancel()
            seen += await store.refresh()  # B committed (or waits for A): what can be seen
        await writing
        seen += await store.refresh()
        assert sorted(seen) == ["quiet-port", "silent-harbor"]
    finally:
        for db in (reader, first, second):
            await db.close()
