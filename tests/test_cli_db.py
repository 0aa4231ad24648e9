"""``python -m bot db copy`` as a person runs it (beside tests/test_cli.py, which is long enough)."""

from __future__ import annotations

import asyncio
import io
import re
from pathlib import Path

from bot.__main__ import CopyProgress
from bot.config import DEFAULT_FILMS_DIR
from bot.storage.db import open_database
from tests.databases import fresh_database, postgres_only
from tests.test_cli import Result, child_env, closed_port, no_traceback, run_cli

PASSWORD = "s3cret-pw"
SUMMARY = re.compile(
    r"^copied (\d+) tables, (\d+) rows to postgresql://127\.0\.0\.1:\d+/\w+ in \d+\.\d s$"
)


def with_password(url: str) -> str:
    """The test server trusts every connection, so any password gets in (and must never show)."""
    user, at, rest = url.removeprefix("postgresql://").partition("@")
    assert at and ":" not in user, "WATCHPARTY_TEST_POSTGRES names a user and no password"
    return f"postgresql://{user}:{PASSWORD}@{rest}"


def filled_source(tmp_path: Path) -> Path:
    """The child's default SQLite database (DATABASE_PATH), with a film imported the usual way."""
    films, incoming = tmp_path / "films", tmp_path / "incoming"
    films.mkdir()
    incoming.mkdir()
    film = incoming / "lost-in-starlight.toml"
    film.write_bytes((DEFAULT_FILMS_DIR / "lost-in-starlight.toml").read_bytes())
    result = run_cli(tmp_path, "films", "import", str(film), FILMS_DIR=str(films))
    assert result.code == 0, result.err
    return Path(child_env(tmp_path)["DATABASE_PATH"])


def copy(tmp_path: Path, url: str, *args: str) -> Result:
    result = run_cli(tmp_path, "db", "copy", "--to", url, *args)
    no_traceback(result)
    assert PASSWORD not in result.out + result.err
    return result


def films_in(url: str) -> int:
    async def count() -> int:
        db = await open_database(url, pool_size=1)
        try:
            return int(await db.fetchval("SELECT count(*) FROM films"))
        finally:
            await db.close()

    return asyncio.run(count())


@postgres_only
def test_copy_shows_each_table_then_a_summary_without_the_password(tmp_path: Path) -> None:
    filled_source(tmp_path)
    url = with_password(str(fresh_database(tmp_path, "target")))

    result = copy(tmp_path, url)

    assert result.code == 0, result.err
    [summary] = result.out.splitlines()
    found = SUMMARY.match(summary)
    assert found, summary
    progress = result.plain_err_lines()
    assert "films: 1 row" in progress
    assert len(progress) == int(found.group(1))  # a plain line per table (stderr is no terminal)
    assert films_in(url) == 1


@postgres_only
def test_a_target_with_data_is_refused_in_one_line_unless_forced(tmp_path: Path) -> None:
    filled_source(tmp_path)
    url = with_password(str(fresh_database(tmp_path, "target")))
    assert copy(tmp_path, url).code == 0

    again = copy(tmp_path, url)

    assert again.code == 1
    [line] = again.plain_err_lines()
    assert "already holds data (in film_changes, film_releases, films)" in line
    assert "--force" in line
    forced = copy(tmp_path, url, "--force")
    assert forced.code == 0, forced.err
    assert films_in(url) == 1


def test_a_source_that_is_not_there_is_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.sqlite3"
    result = copy(tmp_path, "postgresql://bot@127.0.0.1:1/none", "--from", str(missing))

    assert result.code == 1
    assert result.plain_err_lines() == [
        f"error: there is no SQLite database at {missing}: name it with --from PATH "
        "(by default DATABASE_PATH)"
    ]
    assert not missing.exists()


def test_a_target_out_of_reach_is_one_line(tmp_path: Path) -> None:
    filled_source(tmp_path)
    port = closed_port()
    url = f"postgresql://bot:{PASSWORD}@127.0.0.1:{port}/none"

    result = copy(tmp_path, url)

    assert result.code == 1
    [line] = result.plain_err_lines()
    assert line.startswith(f"error: can't reach PostgreSQL at postgresql://127.0.0.1:{port}/none: ")
    assert line.endswith("; nothing copied")


def test_an_unparseable_target_is_one_line_without_the_password(tmp_path: Path) -> None:
    result = copy(tmp_path, f"postgresql://bot:{PASSWORD}/x@127.0.0.1:1/none")

    assert result.code == 2
    [line] = result.plain_err_lines()
    assert line.startswith("error: --to can't be parsed") and "percent-encode" in line


def test_the_target_must_be_a_postgresql_url(tmp_path: Path) -> None:
    result = copy(tmp_path, str(tmp_path / "other.sqlite3"))

    assert result.code == 2
    assert result.plain_err_lines() == [
        "error: --to must be a PostgreSQL URL (postgresql://user:password@host:5432/name)"
    ]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_on_a_terminal_updates_one_line_per_table() -> None:
    screen = Terminal()
    progress = CopyProgress(screen)
    for table, copied, total in (("films", 0, 4000), ("films", 2000, 4000), ("films", 4000, 4000)):
        progress(table, copied, total)
    progress("zones", 0, 0)

    assert screen.getvalue().split("\r\x1b[K") == [
        "",
        "films: 0 of 4,000 rows",
        "films: 2,000 of 4,000 rows",
        "films: 4,000 rows\n",
        "zones: 0 rows\n",
    ]


def test_progress_in_a_log_is_a_line_per_table_and_every_so_many_rows() -> None:
    log = io.StringIO()
    progress = CopyProgress(log, every=5000)
    for copied in range(0, 12_001, 2000):
        progress("films", copied, 12_000)
    progress("outbox", 0, 1)
    progress("outbox", 1, 1)

    assert log.getvalue().splitlines() == [
        "films: 6,000 of 12,000 rows",
        "films: 12,000 rows",
        "outbox: 1 row",
    ]
