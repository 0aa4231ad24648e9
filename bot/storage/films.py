"""Film files -> the films table.

The files in ``data/films`` are where curated films are written. ``sync_films`` keeps in the
``films`` table each validated file's text (its facts, read from there at request time), its
content hash and the names to search it by: files whose path, size and mtime match are skipped
without being read, changed files are re-validated and replaced, vanished files removed, bad
files reported and never half-loaded. Thousands of files are parsed in a process pool. Every
change is noted in ``film_changes`` for the running bots' stores (:mod:`bot.storage.filmstore`).
Rows that came from elsewhere (TMDB, a server's own films) are left alone.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import time as _time
from collections.abc import AsyncIterator, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import islice
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import toml_rs

from bot.domain import filmcodec
from bot.domain.filmmerge import merge
from bot.domain.films import Film, parse_film
from bot.errors import DataError
from bot.storage.db import Database, take_turn

log = logging.getLogger(__name__)

POOL_THRESHOLD = 2_000  # fewer files than this are parsed in-process: a pool costs ~0.4 s to start
CHUNK = 500
INSERT_BATCH = 2_000


# --- reading TOML -----------------------------------------------------------------------------


def read_toml(text: str) -> dict[str, Any]:
    """Parse TOML 1.0 (as tomllib does) with toml-rs: compiled, ~20x faster than tomllib."""
    return toml_rs.loads(text, toml_version="1.0.0")


# --- one file: read, hash, parse, validate (runs in worker processes) --------------------------

# ("ok", film_id, path, size, mtime_ns, hash, label, names_json, raw bytes, tmdb_id, dates)
# ("same", film_id, path, size, mtime_ns, hash): content unchanged, only the stat or path moved
# ("bad", film_id, path, size, mtime_ns, hash, [(path, field, problem), ...]): every problem
_Result = tuple[Any, ...]
_Job = tuple[str, str | None]  # path, known content hash
_Read = tuple[bytes, int, int] | OSError  # content, size, mtime_ns


def _load_chunk(jobs: list[_Job]) -> list[_Result]:
    # Every read first, then every parse: interleaving the system calls with the parsing is ~12%
    # slower (the CPU caches go cold).
    reads = [_read(path) for path, _ in jobs]
    return [_load_file(*job, read) for job, read in zip(jobs, reads, strict=True)]


def _read(path: str) -> _Read:
    """The file's bytes and the size and mtime it had when opened (recorded with the content)."""
    try:
        with open(path, "rb", buffering=0) as f:  # unbuffered: a buffer would be copied again
            st = os.fstat(f.fileno())
            return f.readall(), st.st_size, st.st_mtime_ns
    except OSError as problem:
        return problem


def _load_file(path: str, known_hash: str | None, read: _Read) -> _Result:
    film_id = os.path.basename(path)[:-5]  # the file name without ".toml"
    if isinstance(read, OSError):
        return ("bad", film_id, path, 0, 0, "", [(path, "(file)", f"cannot be read: {read}")])
    raw, size, mtime_ns = read
    digest = _digest(raw)
    if digest == known_hash:
        return ("same", film_id, path, size, mtime_ns, digest)
    try:
        film = parse_film_bytes(raw, path, file_id=film_id)
    except DataError as bad:
        # Plain tuples, not exceptions: results cross the process pool, and pickling an
        # exception with extra constructor arguments fails.
        problems = [(e.path, e.field, e.problem) for e in bad.errors]
        return ("bad", film_id, path, size, mtime_ns, digest, problems)
    names = _to_json(film.index_rows())
    dates = release_rows(film)
    return (
        "ok",
        film_id,
        path,
        size,
        mtime_ns,
        digest,
        film.title,
        names,
        raw,
        film.tmdb_id,
        dates,
    )


# One encoder for every file: json.dumps with options makes a new one on each call.
_to_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _digest(raw: bytes) -> str:
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


def _bad_file(problems: list[tuple[str, str, str]]) -> DataError:
    """The DataError of a "bad" result, with all of that file's problems."""
    return DataError.of([DataError(*problem) for problem in problems])


def parse_film_bytes(raw: bytes, path: str, file_id: str | None = None) -> Film:
    """Decode, read and validate one film file's bytes; DataError names what is wrong (all of
    it, in ``errors``). ``file_id``: the id the file's name gives, which the film's must match."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as problem:
        raise DataError(path, "(file)", f"is not UTF-8 text: {problem}") from None
    try:
        data = read_toml(text)
    except ValueError as problem:  # toml_rs.TOMLDecodeError; a plain ValueError for 00:00:60
        # toml-rs draws the bad line between "... at line 2, column 1" and the reason: keep those
        lines = str(problem).splitlines() or ["?"]
        reason = f"{lines[0]}: {lines[-1]}" if len(lines) > 1 else lines[0]
        raise DataError(path, "(toml)", f"is not valid TOML: {reason}") from None
    return parse_film(data, path, file_id)


# --- sync ---------------------------------------------------------------------------------------


@dataclass
class SyncReport:
    """What :func:`sync_films` did. A film whose file turned bad is unloaded (in ``removed``).
    ``errors`` has one DataError per bad file, each with all of that file's problems."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    errors: list[DataError] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def loaded(self) -> int:
        return len(self.added) + len(self.updated) + self.unchanged

    def summary(self) -> str:
        return (
            f"{self.loaded} film(s): {len(self.added)} added, {len(self.updated)} updated, "
            f"{len(self.removed)} removed, {self.unchanged} unchanged, "
            f"{len(self.errors)} bad file(s), in {self.seconds:.2f} s"
        )


def _scan(directory: Path) -> dict[str, os.DirEntry[str]]:
    """film id (file stem) -> entry for every *.toml file in directory."""
    try:
        entries = os.scandir(directory.resolve())
    except FileNotFoundError:
        return {}
    with entries:
        return {
            entry.name[:-5]: entry
            for entry in entries
            if entry.name.endswith(".toml") and not entry.name.startswith(".") and entry.is_file()
        }


def _plan(
    on_disk: dict[str, os.DirEntry[str]],
    stored: dict[str, tuple[str, int, int, str | None]],
    force: bool,
) -> tuple[list[_Job], int]:
    """(jobs for the files that may have changed, count of unchanged files). Only files with a
    row are stat-ed here (100,000 stats take ~0.4 s); workers stat the files they read."""
    jobs: list[_Job] = []
    unchanged = 0
    for film_id in sorted(on_disk):
        entry = on_disk[film_id]
        old = stored.get(film_id)
        if old is not None and old[3] is not None and not force:
            st = entry.stat()
            if old[:3] == (entry.path, st.st_size, st.st_mtime_ns):
                unchanged += 1
                continue
        jobs.append((entry.path, old[3] if old else None))
    return jobs, unchanged


async def sync_films(
    db: Database, directory: Path | str, *, force: bool = False, workers: int | None = None
) -> SyncReport:
    """Mirror directory/*.toml into the films table in one transaction.

    A file whose path, size and mtime match its row is trusted unchanged without being read;
    ``force=True`` re-reads and re-hashes every file. ``workers``: parser processes (default:
    one per core, used only for thousands of files; 0 parses in this process).
    """
    return await _sync(db, Path(directory), only=None, force=force, workers=workers)


async def _sync(
    db: Database, directory: Path, *, only: set[str] | None, force: bool, workers: int | None
) -> SyncReport:
    started = _time.perf_counter()
    report = SyncReport()
    on_disk = await asyncio.to_thread(_scan, directory)
    if only is not None:
        on_disk = {k: v for k, v in on_disk.items() if k in only}
    now = datetime.now(UTC).isoformat(timespec="seconds")
    async with db.transaction() as conn:
        # Processes starting together sync one after the other, each reading the rows the one
        # before left: the later ones find the files unchanged instead of writing them all again
        # (and upserting the same rows in different orders, which can deadlock).
        await take_turn(conn, _SYNC_LOCK)
        # A row without its text (loaded before the texts were stored) is read again.
        stored = {
            row[0]: (row[1], row[2], row[3], row[4] if row[5] else None)
            for row in await conn.fetchall(
                "SELECT id, path, size, mtime_ns, content_hash, doc IS NOT NULL FROM films "
                "WHERE origin = 'file'"
            )
        }
        jobs, report.unchanged = await asyncio.to_thread(_plan, on_disk, stored, force)
        gone = [k for k in stored if k not in on_disk and (only is None or k in only)]
        if gone:
            await conn.executemany("DELETE FROM films WHERE id = ?", [(k,) for k in gone])
            report.removed.extend(gone)
        async for results in _results(jobs, workers):
            rows, touched, dropped, dates = [], [], [], {}
            for result in results:
                kind, film_id, path, size, mtime_ns, digest = result[:6]
                if kind == "same":
                    touched.append((path, size, mtime_ns, film_id))
                    report.unchanged += 1
                elif kind == "bad":
                    report.errors.append(_bad_file(result[6]))
                    if film_id in stored:
                        dropped.append((film_id,))
                        report.removed.append(film_id)
                else:
                    text = result[8].decode("utf-8")
                    rows.append(
                        (film_id, path, result[6], digest, size, mtime_ns, result[7], now, text)
                        + (result[9],)
                    )
                    dates[film_id] = result[10]
                    (report.updated if film_id in stored else report.added).append(film_id)
            if touched:
                await conn.executemany(
                    "UPDATE films SET path = ?, size = ?, mtime_ns = ? WHERE id = ?", touched
                )
            if dropped:
                await conn.executemany("DELETE FROM films WHERE id = ?", dropped)
            if rows:
                await conn.executemany(_UPSERT, rows)
                await write_releases(conn, dates)
        aliased = await _tie_tmdb_copies(conn, [*report.added, *report.updated], report.removed)
        if report.added or report.updated:
            await _remerge(conn, [*report.added, *report.updated])
        changed = [*report.added, *report.updated, *report.removed, *aliased]
        await record_changes(conn, changed, now)
        await prune_changes(conn, now)
    report.seconds = _time.perf_counter() - started
    return report


#: Any numbers: the advisory locks (PostgreSQL) under which syncs, and writers of film changes,
#: take turns.
_SYNC_LOCK = 7_361_043
_CHANGES_LOCK = 7_361_044

_UPSERT = """
INSERT INTO films (id, path, label, content_hash, size, mtime_ns, names, loaded_at, doc, tmdb_id)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET
    path = excluded.path, label = excluded.label, content_hash = excluded.content_hash,
    size = excluded.size, mtime_ns = excluded.mtime_ns, names = excluded.names,
    loaded_at = excluded.loaded_at, doc = excluded.doc, tmdb_id = excluded.tmdb_id,
    origin = 'file', guild_id = NULL
"""


async def _tie_tmdb_copies(conn: Any, loaded: list[str], removed: list[str]) -> list[str]:
    """A TMDB film a curated file now names by its tmdb_id stands for the curated film from now
    on (alias_of; TMDB's record moves to the curated row when it has none); one whose curated
    film was removed stands for itself again. The ids of the TMDB films changed."""
    changed: list[str] = []
    for start in range(0, len(loaded), 500):
        part = loaded[start : start + 500]
        marks = ",".join("?" * len(part))
        sql = (
            "SELECT f.id, t.id, t.tmdb_doc, t.fetched_at FROM films f JOIN films t "
            "ON t.tmdb_id = f.tmdb_id AND t.origin = 'tmdb' AND t.alias_of IS NULL "
            f"WHERE f.id IN ({marks})"
        )
        pairs = list(await conn.fetchall(sql, part))
        for curated, copy, tmdb_doc, fetched_at in pairs:
            await conn.execute(
                "UPDATE films SET tmdb_doc = ?, fetched_at = ? WHERE id = ? AND tmdb_doc IS NULL",
                (tmdb_doc, fetched_at, curated),
            )
            await conn.execute(
                "UPDATE films SET alias_of = ?, names = '[]' WHERE id = ?", (curated, copy)
            )
            await conn.execute("DELETE FROM film_releases WHERE film_id = ?", (copy,))
            await _move_uses(conn, copy, curated)
            changed.append(copy)
    # Copies whose curated film is gone, or no longer names their TMDB id, stand for themselves.
    ends = removed + loaded
    for start in range(0, len(ends), 500):
        part = ends[start : start + 500]
        marks = ",".join("?" * len(part))
        orphans = list(
            await conn.fetchall(
                "SELECT t.id, t.tmdb_doc, t.alias_of, c.id IS NULL FROM films t "
                "LEFT JOIN films c ON c.id = t.alias_of "
                f"WHERE t.alias_of IN ({marks}) "
                "AND (c.id IS NULL OR c.tmdb_id IS NULL OR c.tmdb_id <> t.tmdb_id)",
                part,
            )
        )
        for copy, tmdb_doc, curated, curated_gone in orphans:
            film = filmcodec.from_json(tmdb_doc)
            await conn.execute(
                "UPDATE films SET alias_of = NULL, names = ? WHERE id = ?",
                (_to_json(film.index_rows()), copy),
            )
            await write_releases(conn, {copy: release_rows(film)})
            if curated_gone:  # what used the curated film uses the copy again, not nothing
                await _move_uses(conn, curated, copy)
            changed.append(copy)
    return changed


async def _move_uses(conn: Any, old: str, new: str) -> None:
    """Parties and premieres of film ``old`` now use film ``new``. A server with a premiere of
    each keeps ``new``'s, with ``old``'s followers added; moved premieres are planned again."""
    await conn.execute("UPDATE parties SET film_id = ? WHERE film_id = ?", (new, old))
    await conn.execute(
        "INSERT INTO follows (premiere_id, user_id, dm, created_at, release) "
        "SELECT n.id, f.user_id, f.dm, f.created_at, f.release FROM premieres o "
        "JOIN follows f ON f.premiere_id = o.id "
        "JOIN premieres n ON n.guild_id = o.guild_id AND n.film_id = ? WHERE o.film_id = ? "
        "ON CONFLICT DO NOTHING",
        (new, old),
    )
    await conn.execute("UPDATE premieres SET planned_rev = NULL WHERE film_id = ?", (new,))
    await conn.execute(
        "UPDATE premieres SET film_id = ?, planned_rev = NULL WHERE film_id = ? "
        "AND guild_id NOT IN (SELECT guild_id FROM premieres WHERE film_id = ?)",
        (new, old, new),
    )
    await conn.execute("DELETE FROM premieres WHERE film_id = ?", (old,))  # merged above


async def _remerge(conn: Any, film_ids: list[str]) -> None:
    """Names of changed files that also have TMDB's record: the curated film's and TMDB's."""
    for start in range(0, len(film_ids), 500):
        part = film_ids[start : start + 500]
        marks = ",".join("?" * len(part))
        sql = f"SELECT id, doc, path, tmdb_doc FROM films WHERE tmdb_doc IS NOT NULL AND id IN ({marks})"
        rows = list(await conn.fetchall(sql, part))
        for film_id, doc, path, tmdb_doc in rows:
            film = merge(parse_film_bytes(doc.encode(), path), filmcodec.from_json(tmdb_doc))
            names = _to_json(film.index_rows())
            await conn.execute("UPDATE films SET names = ? WHERE id = ?", (names, film_id))
            await write_releases(conn, {film_id: release_rows(film)})


def release_rows(film: Film) -> list[tuple[str, str, str]]:
    """(region, kind, YYYY-MM-DD) of each of a film's releases, for the film_releases table."""
    return [
        (region.upper(), r.kind, r.date.isoformat()) for r in film.releases for region in r.regions
    ]


async def write_releases(conn: Any, dates: dict[str, list[tuple[str, str, str]]]) -> None:
    """Replace the film_releases rows of these films."""
    ids = [(film_id,) for film_id in dates]
    await conn.executemany("DELETE FROM film_releases WHERE film_id = ?", ids)
    await conn.executemany(
        "INSERT INTO film_releases (film_id, region, kind, day) VALUES (?, ?, ?, ?)",
        [(film_id, *row) for film_id, rows in dates.items() for row in rows],
    )


#: Changes older than this are forgotten: every running bot catches up within seconds.
CHANGES_KEPT = timedelta(days=1)


async def record_changes(conn: Any, film_ids: Iterable[str], now: str) -> None:
    """Note that these films changed (in the writer's transaction, as its last write), for every
    process's store to pick up (:meth:`bot.storage.filmstore.FilmStore.refresh`)."""
    ids = list(film_ids)
    if ids:
        # A seq is handed out at the insert but seen at the commit: were two writers to commit
        # out of order, a reader that saw seq N+1 first would move past N for good (and an index
        # saved as "up to N+1" would lack N). So writers take turns from here to their commit,
        # and commit in seq order (simpler than re-reading a trailing window of seqs, which
        # would not mend the saved index). Taken last: its holder then writes only film_changes
        # rows, which no one writes without it, so it never waits on a writer waiting for it.
        # SQLite's single writer commits in seq order anyway.
        await take_turn(conn, _CHANGES_LOCK)
        await conn.executemany(
            "INSERT INTO film_changes (film_id, at) VALUES (?, ?)", [(i, now) for i in ids]
        )


async def prune_changes(conn: Any, now: str) -> None:
    """Forget changes older than CHANGES_KEPT (run by each sync, not by every write: it scans
    the table)."""
    # Changes the saved film index doesn't include are kept: the next start-up indexes them.
    row = await conn.fetchone("SELECT fingerprint FROM film_index LIMIT 1")
    included = (row[0] if row else "").rpartition(":")[2]
    cutoff = (datetime.fromisoformat(now) - CHANGES_KEPT).isoformat(timespec="seconds")
    await conn.execute(
        "DELETE FROM film_changes WHERE at < ? AND seq <= ?",
        (cutoff, int(included) if included.isdigit() else 0),
    )


async def _results(jobs: list[_Job], workers: int | None) -> AsyncIterator[list[_Result]]:
    """Parse jobs, yielding lists of results: in-process when few, else in a spawn pool."""
    if not jobs:
        return
    if len(jobs) < POOL_THRESHOLD or workers == 0:
        for start in range(0, len(jobs), INSERT_BATCH):
            yield _load_chunk(jobs[start : start + INSERT_BATCH])
            await asyncio.sleep(0)
        return
    count = workers or os.cpu_count() or 1
    loop = asyncio.get_running_loop()
    chunks = iter([jobs[i : i + CHUNK] for i in range(0, len(jobs), CHUNK)])
    # spawn, not fork: forking a process that runs threads (aiosqlite) can deadlock the child.
    with ProcessPoolExecutor(max_workers=count, mp_context=get_context("spawn")) as pool:
        # Keep every worker fed, but bound what is in flight so results never pile up.
        pending = {loop.run_in_executor(pool, _load_chunk, c) for c in islice(chunks, 4 * count)}
        while pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for chunk in islice(chunks, len(done)):
                pending.add(loop.run_in_executor(pool, _load_chunk, chunk))
            for future in done:
                yield future.result()


# --- command line helpers -----------------------------------------------------------------------


@dataclass(frozen=True)
class DirCheck:
    """What :func:`validate_dir` found: how many film files it checked, and one DataError per
    bad file, each with all of that file's problems in ``errors``."""

    checked: int
    bad: list[DataError]


def validate_dir(directory: Path | str) -> DirCheck:
    """Validate every film file (``*.toml``, hidden ones left out) in directory, in name order,
    without touching the database. NotADirectoryError if it is missing or not a directory."""
    directory = Path(directory)
    if not directory.is_dir():
        raise NotADirectoryError(str(directory))
    paths = [entry.path for _, entry in sorted(_scan(directory).items())]
    bad = []
    for path in paths:
        result = _load_file(path, None, _read(path))
        if result[0] == "bad":
            bad.append(_bad_file(result[6]))
    return DirCheck(len(paths), bad)


async def import_film_file(
    db: Database, src_path: Path | str, films_dir: Path | str, *, replace: bool = False
) -> Film:
    """Validate a film file, copy it to films_dir/<id>.toml and load it into the database.

    Refuses (FileExistsError) to overwrite a different file for the same film id unless
    ``replace``. Raises DataError for an invalid file, FileNotFoundError for a missing one.
    """
    film, dest = await asyncio.to_thread(_place_file, Path(src_path), Path(films_dir), replace)
    report = await _sync(db, dest.parent, only={film.id}, force=True, workers=0)
    if report.errors:
        raise report.errors[0]
    return film


def _place_file(src: Path, films_dir: Path, replace: bool) -> tuple[Film, Path]:
    raw = src.read_bytes()
    film = parse_film_bytes(raw, str(src))
    dest = films_dir / f"{film.id}.toml"
    if dest.exists() and dest.read_bytes() != raw and not replace:
        raise FileExistsError(
            f"{dest} already holds a different version of '{film.id}'. "
            "Use --replace to overwrite it."
        )
    films_dir.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.tmp")
    tmp.write_bytes(raw)
    os.replace(tmp, dest)
    return parse_film_bytes(raw, str(dest)), dest
