"""Which engine the tests run on, and a fresh database for each test.

Without ``WATCHPARTY_TEST_POSTGRES`` the tests use SQLite files in each test's temporary folder.
With it set to a PostgreSQL URL (``postgresql://user@host:port/name``), every test database is a
schema of its own in that database (created here, dropped when the test session ends), so tests
running in parallel never see each other's rows.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import threading
from pathlib import Path

import pytest

POSTGRES_URL = os.environ.get("WATCHPARTY_TEST_POSTGRES", "").strip() or None
ENGINE = "postgresql" if POSTGRES_URL else "sqlite"

#: For tests of what only one engine has (SQLite's files and PRAGMAs, its trace hook).
sqlite_only = pytest.mark.skipif(ENGINE != "sqlite", reason="SQLite only")
postgres_only = pytest.mark.skipif(ENGINE != "postgresql", reason="PostgreSQL only")

_created: set[str] = set()
_lock = threading.Lock()


def fresh_database(tmp_path: Path, name: str = "db.sqlite3") -> Path | str:
    """The database called ``name`` for this test: the same target for the same name (a test
    reopening "its" database finds its rows), empty the first time."""
    if POSTGRES_URL is None:
        return tmp_path / name
    schema = "t_" + hashlib.blake2b(str(tmp_path / name).encode(), digest_size=12).hexdigest()
    with _lock:
        if schema not in _created:
            _in_thread(_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"))
            _created.add(schema)
    joiner = "&" if "?" in POSTGRES_URL else "?"
    return f"{POSTGRES_URL}{joiner}search_path={schema}"


def as_process(target: Path | str, name: str) -> tuple[Path | str, str]:
    """The same database as another process would open it: on PostgreSQL its connections carry
    an ``application_name`` of their own (returned), so a test can cut exactly them."""
    if not isinstance(target, str):
        return target, name
    schema = target.rsplit("search_path=", 1)[-1]
    app = f"{schema}_{name}"
    return f"{target}&application_name={app}", app


async def cut_connections(app: str) -> int:
    """Terminate every PostgreSQL connection named ``app`` (see :func:`as_process`): what a
    server restart looks like to the bot. How many there were."""
    import asyncpg

    conn = await asyncpg.connect(POSTGRES_URL)
    try:
        return int(
            await conn.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE application_name = $1",
                app,
            )
        )
    finally:
        await conn.close()


def drop_created() -> None:
    """Drop the schemas this test process created."""
    if POSTGRES_URL and _created:
        # One schema per transaction: all at once would hold a lock on every table of every
        # schema together and fill the server's shared lock table under the other workers.
        _in_thread(_sql(*(f"DROP SCHEMA IF EXISTS {s} CASCADE" for s in sorted(_created))))
        _created.clear()


async def _sql(*scripts: str) -> None:
    """Run each script in a transaction of its own, on one connection."""
    import asyncpg

    conn = await asyncpg.connect(POSTGRES_URL)
    try:
        for script in scripts:
            await conn.execute(script)
    finally:
        await conn.close()


def _in_thread(work: object) -> None:
    """Run a coroutine to the end on its own loop (the caller may be inside a running loop)."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(work)  # type: ignore[arg-type]
        except BaseException as error:  # re-raised in the caller
            errors.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
