"""Film files -> SQLite -> FilmStore: sync, import, lookups, and reading TOML."""

from __future__ import annotations

import os
import random
import shutil
import tomllib
from pathlib import Path

import pytest

from bot.errors import DataError, FilmNotFound
from bot.storage import films as store_module
from bot.storage import filmstore as filmstore_module
from bot.storage.films import (
    import_film_file,
    read_toml,
    sync_films,
    validate_dir,
)
from bot.storage.filmstore import FilmStore

SEED = Path(__file__).resolve().parents[2] / "data" / "films" / "lost-in-starlight.toml"


def small_film(film_id: str, title: str, *, minutes: int = 90, zone: str = "Asia/Seoul") -> str:
    return f'''id = "{film_id}"

[sources.cat]
title = "Test catalogue"

[[titles]]
text = "{title}"
kind = "english"
sources = ["cat"]

[[releases]]
platform = "Netflix"
regions = ["worldwide"]
model = "global"
date = 2025-06-01
time = 09:00:00
zone = "{zone}"
sources = ["cat"]

[[runtime]]
minutes = {minutes}
sources = ["cat"]

[people.ana-moreno]
name = "Ana Moreno"
sources = ["cat"]

[[directors]]
people = ["ana-moreno"]
sources = ["cat"]
'''


@pytest.fixture
def films_dir(tmp_path) -> Path:
    directory = tmp_path / "films"
    directory.mkdir()
    shutil.copy(SEED, directory / SEED.name)
    (directory / "silent-harbor.toml").write_text(small_film("silent-harbor", "The Silent Harbor"))
    return directory


def touch_later(path: Path) -> None:
    """Move the mtime on, as an edit would (some file systems keep coarse mtimes)."""
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))


async def ids(db) -> set[str]:
    return {row[0] for row in await db.fetchall("SELECT id FROM films")}


# --- sync ---------------------------------------------------------------------------------------


async def test_first_sync_loads_every_file(db, films_dir):
    report = await sync_films(db, films_dir)
    assert report.errors == []
    assert sorted(report.added) == ["lost-in-starlight", "silent-harbor"]
    assert await ids(db) == {"lost-in-starlight", "silent-harbor"}
    assert "2 film(s): 2 added" in report.summary()


async def test_resync_is_idempotent(db, films_dir):
    await sync_films(db, films_dir)
    before = await db.fetchall("SELECT * FROM films ORDER BY id")
    report = await sync_films(db, films_dir)
    assert (report.added, report.updated, report.removed, report.unchanged) == ([], [], [], 2)
    assert [tuple(r) for r in await db.fetchall("SELECT * FROM films ORDER BY id")] == [
        tuple(r) for r in before
    ]


async def test_touched_but_identical_file_is_not_reloaded(db, films_dir):
    await sync_films(db, films_dir)
    touch_later(films_dir / "silent-harbor.toml")
    report = await sync_films(db, films_dir)
    assert report.unchanged == 2 and report.updated == []
    report = await sync_films(db, films_dir, force=True)  # re-hashes every file
    assert report.unchanged == 2 and report.updated == []


async def test_changed_file_is_replaced(db, films_dir):
    await sync_films(db, films_dir)
    path = films_dir / "silent-harbor.toml"
    path.write_text(small_film("silent-harbor", "The Quiet Harbor", minutes=101))
    touch_later(path)
    report = await sync_films(db, films_dir)
    assert report.updated == ["silent-harbor"] and report.unchanged == 1
    store = await FilmStore.open(db)
    film = await store.get("silent-harbor")
    assert (film.title, film.runtime[0].minutes) == ("The Quiet Harbor", 101)
    assert store.best("quiet harbor") == "silent-harbor"
    assert store.best("the silent harbor") is None


async def test_removed_file_is_removed(db, films_dir):
    await sync_films(db, films_dir)
    (films_dir / "silent-harbor.toml").unlink()
    report = await sync_films(db, films_dir)
    assert report.removed == ["silent-harbor"]
    assert await ids(db) == {"lost-in-starlight"}


async def test_bad_file_is_reported_and_not_loaded_while_good_files_load(db, films_dir):
    (films_dir / "broken.toml").write_text(small_film("broken", "Broken", zone="Mars/Olympus"))
    (films_dir / "not-toml.toml").write_text("id = \n")
    report = await sync_films(db, films_dir)
    assert sorted(report.added) == ["lost-in-starlight", "silent-harbor"]
    problems = {Path(e.path).name: e for e in report.errors}
    assert problems["broken.toml"].field == "releases[0].zone"
    assert "Mars/Olympus" in problems["broken.toml"].problem
    assert problems["not-toml.toml"].field == "(toml)"
    assert await ids(db) == {"lost-in-starlight", "silent-harbor"}
    assert "2 bad file(s)" in report.summary()


async def test_a_bad_file_reports_every_problem_and_counts_once(db, films_dir):
    broken = small_film("broken", "Broken", minutes=0, zone="Mars/Olympus")
    (films_dir / "broken.toml").write_text(broken.replace('kind = "english"', 'kind = "x"'))
    report = await sync_films(db, films_dir)
    [bad] = report.errors
    assert [e.field for e in bad.errors] == [
        "titles[0].kind",
        "releases[0].zone",
        "runtime[0].minutes",
    ]
    assert all(Path(e.path).name == "broken.toml" for e in bad.errors)
    assert "1 bad file(s)" in report.summary()
    assert "broken" not in await ids(db)


async def test_file_that_turns_bad_is_unloaded_until_fixed(db, films_dir):
    await sync_films(db, films_dir)
    path = films_dir / "silent-harbor.toml"
    good = path.read_text()
    path.write_text(good.replace("minutes = 90", 'minutes = "ninety"'))
    touch_later(path)
    report = await sync_films(db, films_dir)
    assert report.removed == ["silent-harbor"]
    assert report.errors[0].field == "runtime[0].minutes"
    path.write_text(good)
    touch_later(path)
    assert (await sync_films(db, films_dir)).added == ["silent-harbor"]


async def test_film_id_must_match_the_file_name(db, films_dir):
    (films_dir / "other-name.toml").write_text(small_film("some-film", "Some Film"))
    report = await sync_films(db, films_dir)
    assert [(Path(e.path).name, e.field) for e in report.errors] == [("other-name.toml", "id")]


async def test_missing_directory_loads_nothing(db, tmp_path):
    report = await sync_films(db, tmp_path / "nowhere")
    assert report.errors == [] and report.loaded == 0


async def test_parallel_parsing_gives_the_same_result(db, tmp_path, monkeypatch):
    directory = tmp_path / "many"
    directory.mkdir()
    for i in range(12):
        (directory / f"film-{i}.toml").write_text(small_film(f"film-{i}", f"Film Number {i}"))
    (directory / "bad.toml").write_text(small_film("bad", "Bad", zone="Nowhere/Place"))
    monkeypatch.setattr(store_module, "POOL_THRESHOLD", 1)
    monkeypatch.setattr(store_module, "CHUNK", 5)
    report = await sync_films(db, directory, workers=1)
    assert len(report.added) == 12
    assert [e.field for e in report.errors] == ["releases[0].zone"]


async def test_every_problem_of_a_file_crosses_the_process_pool(db, tmp_path, monkeypatch):
    directory = tmp_path / "pooled"
    directory.mkdir()
    (directory / "bad.toml").write_text(small_film("bad", "Bad", minutes=0, zone="Nowhere/Place"))
    monkeypatch.setattr(store_module, "POOL_THRESHOLD", 1)
    report = await sync_films(db, directory, workers=1)
    assert [e.field for e in report.errors[0].errors] == ["releases[0].zone", "runtime[0].minutes"]


# --- command line helpers -----------------------------------------------------------------------


def test_validate_dir_lists_every_problem(films_dir):
    good = validate_dir(films_dir)
    assert good.bad == [] and good.checked > 0
    (films_dir / "broken.toml").write_text(small_film("broken", "Broken", minutes=0))
    check = validate_dir(films_dir)
    assert check.checked == good.checked + 1
    assert [(Path(p.path).name, p.field) for p in check.bad] == [
        ("broken.toml", "runtime[0].minutes")
    ]


def test_validate_dir_gives_every_problem_of_each_file(films_dir):
    (films_dir / "broken.toml").write_text(small_film("other", "Broken", minutes=0))
    [bad] = validate_dir(films_dir).bad
    assert [(Path(p.path).name, p.field) for p in bad.errors] == [
        ("broken.toml", "id"),
        ("broken.toml", "runtime[0].minutes"),
    ]


def test_validate_dir_refuses_a_missing_folder(tmp_path):
    with pytest.raises(NotADirectoryError):
        validate_dir(tmp_path / "nowhere")


async def test_import_copies_validates_and_loads(db, films_dir, tmp_path):
    await sync_films(db, films_dir)
    src = tmp_path / "download.toml"
    src.write_text(small_film("new-film", "A New Film"))
    film = await import_film_file(db, src, films_dir)
    assert film.id == "new-film"
    assert (films_dir / "new-film.toml").read_text() == src.read_text()
    assert "new-film" in await ids(db)
    store = await FilmStore.open(db)
    assert store.best("a new film") == "new-film"


async def test_import_refuses_to_overwrite_a_different_film_unless_asked(db, films_dir, tmp_path):
    src = tmp_path / "changed.toml"
    src.write_text(small_film("silent-harbor", "A Different Harbor"))
    with pytest.raises(FileExistsError, match="--replace"):
        await import_film_file(db, src, films_dir)
    assert "The Silent Harbor" in (films_dir / "silent-harbor.toml").read_text()
    film = await import_film_file(db, src, films_dir, replace=True)
    assert film.title == "A Different Harbor"
    same = await import_film_file(db, films_dir / "silent-harbor.toml", films_dir)
    assert same.title == "A Different Harbor"  # the identical file is fine


async def test_import_rejects_an_invalid_file_without_copying(db, films_dir, tmp_path):
    src = tmp_path / "bad.toml"
    src.write_text(small_film("bad-film", "Bad", zone="Atlantis"))
    with pytest.raises(DataError) as caught:
        await import_film_file(db, src, films_dir)
    assert caught.value.field == "releases[0].zone"
    assert not (films_dir / "bad-film.toml").exists()
    with pytest.raises(FileNotFoundError):
        await import_film_file(db, tmp_path / "missing.toml", films_dir)


# --- the store ----------------------------------------------------------------------------------


@pytest.fixture
async def store(db, films_dir) -> FilmStore:
    await sync_films(db, films_dir)
    return await FilmStore.open(db)


async def test_store_complete_search_get(store):
    assert store.complete("lost is starl")[0] == ("Lost in Starlight", "lost-in-starlight")
    assert store.search("Na Young")[0].kind == "character"
    film = await store.get("lost-in-starlight")
    assert film.runtime[0].minutes == 96
    assert await store.get("lost-in-starlight") is film  # cached
    assert len(store) == 2


@pytest.mark.parametrize(
    "typed",
    [
        "lost-in-starlight",
        "Lost in Starlight",
        "lost is starlight",
        "Lost In Star",
        "이 별에 필요한",
    ],
)
async def test_resolve_ids_titles_and_typos(store, typed):
    assert (await store.resolve(typed)).id == "lost-in-starlight"


async def test_resolve_unknown_film_suggests(store):
    with pytest.raises(FilmNotFound) as caught:
        await store.resolve("The Silent Harbour Returns")
    message = str(caught.value)
    assert message.startswith("I don't know a film called 'The Silent Harbour Returns'.")
    assert "Did you mean The Silent Harbor?" in message and "`/film search`" in message
    with pytest.raises(FilmNotFound, match="Try `/film search`"):
        await store.resolve("qqqq")
    with pytest.raises(FilmNotFound):
        await store.get("no-such-film")


async def test_the_index_is_saved_and_reused_until_the_films_change(db, films_dir, monkeypatch):
    await sync_films(db, films_dir)
    built = await FilmStore.open(db)
    assert len(await db.fetchall("SELECT DISTINCT fingerprint FROM film_index")) == 1

    def no_build(db):
        raise AssertionError("rebuilt although the films table did not change")

    with monkeypatch.context() as m:
        m.setattr(filmstore_module, "_build_index", no_build)
        await sync_films(db, films_dir)  # nothing changed
        saved = await FilmStore.open(db)
    for typed in ("lost is starl", "Na Young", "harbr", ""):
        assert saved.complete(typed) == built.complete(typed)
        assert saved.search(typed) == built.search(typed)
    assert saved.best("silent harbor") == "silent-harbor"

    (films_dir / "silent-harbor.toml").write_text(small_film("silent-harbor", "The Loud Harbor"))
    touch_later(films_dir / "silent-harbor.toml")
    await sync_films(db, films_dir)
    with monkeypatch.context() as m:  # a few changes: indexed beside the saved index
        m.setattr(filmstore_module, "_build_index", no_build)
        changed = await FilmStore.open(db)
    assert changed.best("the loud harbor") == "silent-harbor"
    assert changed.best("the silent harbor") is None
    monkeypatch.setattr(filmstore_module, "REBUILD_AFTER", 0)  # many changes: built anew
    rebuilt = await FilmStore.open(db)
    assert rebuilt.best("the loud harbor") == "silent-harbor"
    assert len(await db.fetchall("SELECT DISTINCT fingerprint FROM film_index")) == 1
    with monkeypatch.context() as m:  # and that one is saved: the next start reuses it
        m.setattr(filmstore_module, "_build_index", no_build)
        assert (await FilmStore.open(db)).best("the loud harbor") == "silent-harbor"


async def test_an_unreadable_saved_index_is_rebuilt(db, films_dir, caplog):
    await sync_films(db, films_dir)
    await FilmStore.open(db)
    async with db.transaction() as conn:
        await conn.execute("UPDATE film_index SET data = ? WHERE part = 3", (b"\x00not marshal",))
    store = await FilmStore.open(db)
    assert store.best("silent harbor") == "silent-harbor"
    assert "saved one can't be read" in caplog.text
    again = await FilmStore.open(db)  # and the rebuilt one was saved over it
    assert again.best("silent harbor") == "silent-harbor"
    assert caplog.text.count("saved one can't be read") == 1


async def test_films_are_served_from_the_database_not_their_files(store, films_dir):
    (films_dir / "silent-harbor.toml").write_text("id = ")  # broken after loading
    (films_dir / "lost-in-starlight.toml").unlink()
    assert (await store.get("silent-harbor")).title == "The Silent Harbor"
    assert (await store.get("lost-in-starlight")).runtime[0].minutes == 96


# --- reading TOML -----------------------------------------------------------------------------


def test_reader_reads_generated_and_seed_files_as_tomllib_does():
    from bench.bench_films import film_toml

    rng = random.Random(3)
    texts = [film_toml(i, rng)[1] for i in range(50)] + [SEED.read_text(encoding="utf-8")]
    for text in texts:
        assert read_toml(text) == tomllib.loads(text)


@pytest.mark.parametrize(
    "doc",
    [
        "a = 1\na = 2",
        "[a]\n[a]",
        "[[a]]\n[a]",
        "d = 2025-02-30",
        'a = "\x01"',
        "a = ",
        "t = 07:30",  # TOML 1.1 syntax: tomllib refuses it, so we do too
        "a = { b = 1, }",
        'a = "\\e"',
    ],
)
def test_invalid_toml_is_a_one_line_data_error_naming_the_line(doc):
    with pytest.raises(tomllib.TOMLDecodeError):
        tomllib.loads(doc)
    with pytest.raises(DataError) as caught:
        store_module.parse_film_bytes(doc.encode(), "x.toml")
    assert (caught.value.path, caught.value.field) == ("x.toml", "(toml)")
    assert "at line 1" in caught.value.problem or "at line 2" in caught.value.problem
    assert "\n" not in caught.value.problem
