"""FilmStore: films changed by any writer are found without a restart; TMDB's records and a
server's own films."""

from __future__ import annotations

import os
import shutil
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.domain.films import CreditClaim, Film, Name, Person, Release, RuntimeClaim, Source
from bot.errors import FilmNotFound
from bot.storage.db import open_database
from bot.storage.films import import_film_file, sync_films
from bot.storage.filmstore import FilmStore
from tests.databases import fresh_database
from tests.storage.test_films_store import SEED, small_film

FETCHED = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
#: A release as TMDB gives them: in Korean cinemas from 2 June 2025.
KR_CINEMAS = Release(
    "Cinemas", ("KR",), "local_midnight", date(2025, 6, 2), None, None, ("tmdb",), kind="theatrical"
)


def tmdb_film(tmdb_id: int, title: str, *, minutes: int = 132, director: str = "Bong Joon Ho"):
    tmdb = ("tmdb",)
    return Film(
        id=f"tmdb-{tmdb_id}",
        path=f"tmdb:{tmdb_id}",
        sources=(Source("tmdb", "TMDB", date=date(2026, 12, 1)),),
        titles=(Name(title, "english", tmdb),),
        runtime=(RuntimeClaim(minutes, tmdb),),
        people=(Person("tmdb-p1", director, tmdb),),
        directors=(CreditClaim(("tmdb-p1",), tmdb),),
        tmdb_id=tmdb_id,
    )


@pytest.fixture
def films_dir(tmp_path) -> Path:
    directory = tmp_path / "films"
    directory.mkdir()
    shutil.copy(SEED, directory / SEED.name)
    return directory


async def test_a_film_imported_by_another_process_is_found_after_a_refresh(db, films_dir, tmp_path):
    await sync_films(db, films_dir)
    running = await FilmStore.open(db)
    assert running.best("silent harbor") is None
    # `python -m bot films import` runs in its own process, with its own connection.
    other = await open_database(fresh_database(tmp_path, "db.sqlite3"))
    src = tmp_path / "silent-harbor.toml"
    src.write_text(small_film("silent-harbor", "The Silent Harbor"))
    await import_film_file(other, src, films_dir)
    await other.close()
    assert await running.refresh() == ["silent-harbor"]
    assert running.best("silent harbor") == "silent-harbor"
    assert running.complete("silent")[0] == ("The Silent Harbor", "silent-harbor")
    assert (await running.get("silent-harbor")).runtime[0].minutes == 90
    assert await running.refresh() == []  # nothing new


async def test_a_changed_film_replaces_its_old_names_and_facts(db, films_dir):
    (films_dir / "silent-harbor.toml").write_text(small_film("silent-harbor", "Silent Harbor"))
    await sync_films(db, films_dir)
    store = await FilmStore.open(db)
    assert (await store.get("silent-harbor")).runtime[0].minutes == 90  # now cached
    (films_dir / "silent-harbor.toml").write_text(
        small_film("silent-harbor", "Quiet Port", minutes=101)
    )
    await sync_films(db, films_dir, force=True)
    await store.refresh()
    assert store.best("quiet port") == "silent-harbor"
    assert store.best("silent harbor") is None
    assert (await store.get("silent-harbor")).runtime[0].minutes == 101
    (films_dir / "silent-harbor.toml").unlink()
    await sync_films(db, films_dir)
    await store.refresh()
    assert store.best("quiet port") is None
    assert len(store) == 1
    with pytest.raises(FilmNotFound):
        await store.get("silent-harbor")


async def test_tmdb_films_are_kept_and_refetched_in_place(db, films_dir):
    await sync_films(db, films_dir)
    store = await FilmStore.open(db)
    film_id = await store.put_tmdb(tmdb_film(496243, "Parasite"), FETCHED)
    assert film_id == "tmdb-496243"
    assert store.best("parasite") == film_id
    assert (await store.get(film_id)).runtime[0].minutes == 132
    assert await store.film_for_tmdb(496243) == film_id
    assert await store.tmdb_fetched(film_id) == (496243, FETCHED)
    await store.put_tmdb(tmdb_film(496243, "Parasite", minutes=133), FETCHED)
    assert (await store.get(film_id)).runtime[0].minutes == 133
    assert len(store) == 2
    # A restart sees them too, and a file sync leaves them alone.
    await sync_films(db, films_dir)
    again = await FilmStore.open(db)
    assert again.best("parasite") == film_id


async def test_a_curated_film_naming_its_tmdb_id_keeps_its_facts_beside_tmdbs(db, films_dir):
    text = SEED.read_text(encoding="utf-8").replace(
        'id = "lost-in-starlight"', 'id = "lost-in-starlight"\ntmdb_id = 1234'
    )
    (films_dir / SEED.name).write_text(text, encoding="utf-8")
    await sync_films(db, films_dir)
    store = await FilmStore.open(db)
    fetched = tmdb_film(1234, "Lost in the Starlight", minutes=96, director="Han Ji-won")
    film_id = await store.put_tmdb(replace(fetched, imdb_id="tt1"), FETCHED)
    assert film_id == "lost-in-starlight"
    film = await store.get(film_id)
    assert film.title == "Lost in Starlight"  # the curated title stays the display title
    assert store.best("lost in the starlight") == film_id  # TMDB's title finds it too
    assert [r.minutes for r in film.runtime] == [96]  # agreeing: one claim, both sources
    assert "tmdb" in film.runtime[0].sources and len(film.runtime[0].sources) > 1
    assert len(film.directors) == 1  # the same director by name: TMDB only adds its source
    assert film.imdb_id == "tt1"
    assert await store.film_for_tmdb(1234) == film_id


async def test_a_servers_own_film_is_found_only_in_that_server(db, films_dir, tmp_path):
    await sync_films(db, films_dir)
    store = await FilmStore.open(db)
    own = replace(tmdb_film(1, "Club Night Special"), id="g10-club-night", tmdb_id=None)
    await store.add_own(10, own, added_by=7)
    assert store.best("club night special", guild_id=10) == "g10-club-night"
    assert store.best("club night special", guild_id=11) is None
    assert store.best("club night special") is None
    assert store.own_films(10) == [("Club Night Special", "g10-club-night")]
    with pytest.raises(FilmNotFound):
        await store.resolve("g10-club-night", guild_id=11)
    assert (await store.resolve("g10-club-night", guild_id=10)).title == "Club Night Special"
    with pytest.raises(FileExistsError):
        await store.add_own(10, own, added_by=7)
    restarted = await FilmStore.open(db)
    assert restarted.best("club night special", guild_id=10) == "g10-club-night"
    assert not await store.remove_own(11, "g10-club-night")
    assert await store.remove_own(10, "g10-club-night")
    assert store.best("club night special", guild_id=10) is None
    assert store.own_films(10) == []


async def test_films_coming_out_in_a_country_soonest_first(db, films_dir):
    await sync_films(db, films_dir)  # Lost in Starlight: Netflix worldwide, 30 May 2025
    store = await FilmStore.open(db)
    kr = KR_CINEMAS
    us = replace(kr, regions=("US",), date=date(2025, 5, 25))
    await store.put_tmdb(replace(tmdb_film(5, "Five"), releases=(kr, us)), FETCHED)
    start, end = datetime(2025, 5, 20, tzinfo=UTC), datetime(2025, 6, 10, tzinfo=UTC)
    assert await store.coming_out("KR", start, end, None) == ["lost-in-starlight", "tmdb-5"]
    assert await store.coming_out("us", start, end, None) == ["tmdb-5", "lost-in-starlight"]
    assert await store.coming_out("GB", start, end, None) == ["lost-in-starlight"]
    later = datetime(2025, 6, 1, tzinfo=UTC)
    assert await store.coming_out("KR", later, end, None) == ["tmdb-5"]


async def test_films_to_fetch_again_are_curated_ones_never_fetched_and_stale_ones_in_use(
    db, films_dir
):
    text = SEED.read_text(encoding="utf-8").replace(
        'id = "lost-in-starlight"', 'id = "lost-in-starlight"\ntmdb_id = 1234'
    )
    (films_dir / SEED.name).write_text(text, encoding="utf-8")
    await sync_films(db, films_dir)
    store = await FilmStore.open(db)
    later = FETCHED.replace(year=2027)
    assert await store.stale_in_use(later, 10) == [("lost-in-starlight", 1234)]
    await store.put_tmdb(tmdb_film(1234, "Lost in Starlight"), FETCHED)
    await store.put_tmdb(tmdb_film(77, "Nobody Uses Me"), FETCHED)
    assert await store.stale_in_use(later, 10) == []  # fetched; and not in use by anything
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO premieres (guild_id, film_id, first_channel_id) VALUES (1, 'tmdb-77', 2)"
        )
    assert await store.stale_in_use(later, 10) == [("tmdb-77", 77)]
    assert await store.stale_in_use(FETCHED, 10) == []  # not stale yet


async def test_a_failed_fetch_puts_a_never_fetched_curated_film_aside_until_it_is_stale(
    db, films_dir
):
    text = SEED.read_text(encoding="utf-8").replace(
        'id = "lost-in-starlight"', 'id = "lost-in-starlight"\ntmdb_id = 1234'
    )
    (films_dir / SEED.name).write_text(text, encoding="utf-8")
    await sync_films(db, films_dir)
    store = await FilmStore.open(db)
    await store.fetch_failed("lost-in-starlight", FETCHED)
    assert await store.stale_in_use(FETCHED, 10) == []
    later = FETCHED.replace(year=2027)
    assert await store.stale_in_use(later, 10) == [("lost-in-starlight", 1234)]


async def test_many_changes_while_running_stay_found_each_in_its_latest_version(db, films_dir):
    await sync_films(db, films_dir)
    store = await FilmStore.open(db)
    for n in range(1, 41):
        await store.put_tmdb(tmdb_film(n, f"Numbered Film {n:02d}"), FETCHED)
    for n in range(1, 41, 3):  # some change again: their new title replaces the old
        await store.put_tmdb(tmdb_film(n, f"Renamed Picture {n:02d}"), FETCHED)
    assert len(store._tiers) <= 7  # merged as they piled up (about log2 of 40 tiers)
    assert len(store) == 41
    for n in range(1, 41):
        renamed = n % 3 == 1
        title = f"Renamed Picture {n:02d}" if renamed else f"Numbered Film {n:02d}"
        assert store.best(title) == f"tmdb-{n}", title
        if renamed:  # its old title is gone (a typo match may find a neighbour instead)
            assert store.best(f"Numbered Film {n:02d}") != f"tmdb-{n}"
    assert len(store.complete("numbered film", limit=50)) == 40 - 14
    assert len(store.complete("renamed picture", limit=50)) == 14
    restarted = await FilmStore.open(db)
    assert restarted.best("Renamed Picture 04") == "tmdb-4"
    assert len(restarted) == 41


async def test_tiers_past_the_inline_size_are_compacted_off_the_path_of_a_change(
    db, films_dir, monkeypatch
):
    from bot.storage import filmstore as module

    monkeypatch.setattr(module, "INLINE_MERGE", 2)
    await sync_films(db, films_dir)
    store = await FilmStore.open(db)
    for n in range(1, 21):
        await store.put_tmdb(tmdb_film(n, f"Stacked Film {n:02d}"), FETCHED)
    piled = len(store._tiers)
    assert piled > module.MAX_TIERS
    assert await store.compact()
    assert len(store._tiers) == 2  # everything but the newest tier, merged
    assert not await store.compact()
    for n in range(1, 21):
        assert store.best(f"Stacked Film {n:02d}") == f"tmdb-{n}"
    await store.put_tmdb(tmdb_film(3, "Moved Film"), FETCHED)
    assert store.best("Moved Film") == "tmdb-3"
    assert store.best("Stacked Film 03") != "tmdb-3"
    assert len(store) == 21


async def test_a_curated_file_naming_an_imported_tmdb_film_takes_its_place(db, films_dir):
    await sync_films(db, films_dir)
    store = await FilmStore.open(db)
    await store.put_tmdb(tmdb_film(496243, "Parasite", minutes=132), FETCHED)
    curated = small_film("parasite", "Parasite", minutes=131).replace(
        'id = "parasite"', 'id = "parasite"\ntmdb_id = 496243'
    )
    (films_dir / "parasite.toml").write_text(curated, encoding="utf-8")
    await sync_films(db, films_dir)
    await store.refresh()
    assert [f for _, f in store.complete("parasite")] == ["parasite"]  # found once
    film = await store.get("tmdb-496243")  # a party that chose TMDB's copy reads the curated one
    assert film.id == "parasite"
    assert [r.minutes for r in film.runtime] == [131, 132]  # curated first, TMDB's beside it
    restarted = await FilmStore.open(db)
    assert [f for _, f in restarted.complete("parasite")] == ["parasite"]
    (films_dir / "parasite.toml").unlink()  # the curated film goes: TMDB's copy is back
    await sync_films(db, films_dir)
    await store.refresh()
    assert [f for _, f in store.complete("parasite")] == ["tmdb-496243"]
    assert (await store.get("tmdb-496243")).runtime[0].minutes == 132


async def test_a_curated_film_in_use_through_its_tmdb_copy_is_refreshed_once(db, films_dir):
    await sync_films(db, films_dir)
    store = await FilmStore.open(db)
    await store.put_tmdb(tmdb_film(496243, "Parasite"), FETCHED)
    async with db.transaction() as conn:  # a premiere chose TMDB's copy
        await conn.execute(
            "INSERT INTO premieres (guild_id, film_id, first_channel_id) "
            "VALUES (1, 'tmdb-496243', 2)"
        )
    curated = small_film("parasite", "Parasite").replace(
        'id = "parasite"', 'id = "parasite"\ntmdb_id = 496243'
    )
    (films_dir / "parasite.toml").write_text(curated, encoding="utf-8")
    await sync_films(db, films_dir)
    later = FETCHED.replace(year=2027)
    assert await store.stale_in_use(later, 10) == [("parasite", 496243)]  # not the copy too


async def test_parties_and_follows_of_a_tmdb_copy_move_to_the_curated_film_and_back(db, films_dir):
    await sync_films(db, films_dir)
    store = await FilmStore.open(db)
    kr = KR_CINEMAS
    await store.put_tmdb(replace(tmdb_film(496243, "Parasite"), releases=(kr,)), FETCHED)
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO parties (id, guild_id, channel_id, host_id, film_id, starts_at, zone, "
            "created_at) VALUES (1, 1, 2, 3, 'tmdb-496243', '2025-06-01T12:00:00+00:00', 'UTC', "
            "'2025-05-20T12:00:00+00:00')"
        )
        for premiere, guild, film in (
            (1, 1, "tmdb-496243"),
            (2, 2, "tmdb-496243"),
            (3, 2, "parasite"),
        ):
            await conn.execute(
                "INSERT INTO premieres (id, guild_id, film_id, first_channel_id) VALUES (?, ?, ?, 9)",
                (premiere, guild, film),
            )
        await conn.execute(
            "INSERT INTO follows (premiere_id, user_id, created_at) VALUES (1, 5, 'x'), (2, 6, 'x'), (3, 7, 'x')"
        )
    curated = small_film("parasite", "Parasite").replace(
        'id = "parasite"', 'id = "parasite"\ntmdb_id = 496243'
    )
    (films_dir / "parasite.toml").write_text(curated, encoding="utf-8")
    await sync_films(db, films_dir)
    rows = await db.fetchall("SELECT id, guild_id, film_id FROM premieres ORDER BY id")
    assert [tuple(r) for r in rows] == [(1, 1, "parasite"), (3, 2, "parasite")]  # 2 merged into 3
    follows = await db.fetchall("SELECT premiere_id, user_id FROM follows ORDER BY user_id")
    assert [tuple(r) for r in follows] == [(1, 5), (3, 6), (3, 7)]
    assert (await db.fetchone("SELECT film_id FROM parties WHERE id = 1"))[0] == "parasite"
    start, end = datetime(2025, 5, 20, tzinfo=UTC), datetime(2025, 6, 30, tzinfo=UTC)
    assert await store.coming_out("KR", start, end, None) == ["lost-in-starlight", "parasite"]
    (films_dir / "parasite.toml").unlink()
    await sync_films(db, films_dir)
    assert (await db.fetchone("SELECT film_id FROM parties WHERE id = 1"))[0] == "tmdb-496243"
    rows = await db.fetchall("SELECT film_id FROM premieres ORDER BY id")
    assert [r[0] for r in rows] == ["tmdb-496243", "tmdb-496243"]
    assert "tmdb-496243" in await store.coming_out("KR", start, end, None)


async def test_a_curated_film_naming_another_tmdb_id_lets_go_of_the_old_copy(db, films_dir):
    await sync_films(db, films_dir)
    store = await FilmStore.open(db)
    await store.put_tmdb(tmdb_film(496243, "Parasite"), FETCHED)
    text = small_film("parasite", "Parasite").replace(
        'id = "parasite"', 'id = "parasite"\ntmdb_id = 496243'
    )
    (films_dir / "parasite.toml").write_text(text, encoding="utf-8")
    await sync_films(db, films_dir)
    await store.refresh()
    assert (await store.get("tmdb-496243")).id == "parasite"
    (films_dir / "parasite.toml").write_text(text.replace("496243", "1"), encoding="utf-8")
    touch = (films_dir / "parasite.toml").stat()
    os.utime(films_dir / "parasite.toml", ns=(touch.st_atime_ns, touch.st_mtime_ns + 5_000_000_000))
    await sync_films(db, films_dir)
    await store.refresh()
    assert (await store.get("tmdb-496243")).id == "tmdb-496243"  # TMDB's own film again
    assert sorted(f for _, f in store.complete("parasite")) == ["parasite", "tmdb-496243"]
