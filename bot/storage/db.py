"""The database: one small interface over SQLite (embedded, the default) and PostgreSQL.

Repositories write SQL once, in the dialect both engines share (``?`` placeholders,
``ON CONFLICT``, ``RETURNING``, no engine-specific functions), and run it through the same five
methods on either engine: :meth:`Queries.execute` (returns the row count), ``executemany``,
``fetchall``, ``fetchone`` and ``fetchval``. Writes go through :meth:`Database.transaction`;
inside one, every statement (reads too) runs on its ``conn``.

- SQLite (aiosqlite): one connection, WAL, foreign keys; writes serialised by a lock in the
  process (SQLite has one writer anyway), ``BEGIN IMMEDIATE`` so a writer never deadlocks.
- PostgreSQL (asyncpg): a connection pool; ``?`` becomes ``$1, $2, …`` once per statement text
  (cached); the migrations' types are widened (``INTEGER`` → ``BIGINT``: Discord ids need 64
  bits; ``INTEGER PRIMARY KEY`` → an identity column; ``BLOB`` → ``BYTEA``). Migrations run under
  an advisory lock, so processes starting together migrate once. Waiting for a free connection
  is bounded (:class:`PoolExhausted`), and a task inside a transaction is refused the pool
  (:class:`ReadOutsideTransaction`): with every connection held by a transaction waiting for a
  second one, the pool would deadlock.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, urlsplit

import aiosqlite

from bot.storage.migrations import MIGRATIONS

log = logging.getLogger(__name__)

#: A result row: ``row["column"]`` and ``row[0]`` work on both engines, as does ``dict(row)``.
Row = Any
Params = Sequence[Any]

SQLITE, POSTGRESQL = "sqlite", "postgresql"


class SchemaTooNew(Exception):
    """The database was written by a newer version of the bot."""


class DatabaseUnreachable(Exception):
    """PostgreSQL could not be reached (refused, timed out, name not found, starting up)."""


class DatabaseRefused(Exception):
    """PostgreSQL answered but won't let us in: a wrong user or password, no such database."""


class PoolExhausted(TimeoutError):
    """No PostgreSQL connection came free in time: every one is busy (a timeout, so callers
    that ride out a lost connection ride this out too)."""


class ReadOutsideTransaction(RuntimeError):
    """A task holding a transaction used the database itself instead of the transaction's
    ``conn``: a second pool connection for one task, which deadlocks under load and can't see
    the transaction's own writes. A bug: pass ``conn`` down."""


#: Seconds to wait for a free pool connection before :class:`PoolExhausted`.
ACQUIRE_TIMEOUT = 30.0


#: asyncpg's words for a connection that went away under a statement or a transaction.
_CLOSED = ("connection is closed", "connection was closed", "released back to the pool")


def is_disconnect(error: BaseException) -> bool:
    """The connection to PostgreSQL was lost or can't be made (a restart, a terminated backend,
    a network error): worth trying again. Looks through the chain of causes, because a lost
    connection inside a transaction surfaces as the failed rollback that follows it."""
    import asyncpg

    seen: BaseException | None = error
    for _ in range(5):
        if seen is None:
            return False
        if isinstance(seen, asyncpg.QueryCanceledError):
            return False  # 57014 (a statement timeout) is in class 57 too, but is no disconnect
        if isinstance(
            seen,
            OSError
            | TimeoutError
            | asyncpg.PostgresConnectionError  # SQLSTATE class 08
            | asyncpg.OperatorInterventionError  # 57P01 terminated, 57P03 starting up, …
            | asyncpg.TooManyConnectionsError,
        ):
            return True
        if isinstance(seen, asyncpg.InterfaceError) and any(w in str(seen) for w in _CLOSED):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def is_postgres_url(target: str | Path) -> bool:
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


def postgres_url_parts(url: str) -> SplitResult | None:
    """The parts of a PostgreSQL URL, or None when it can't be read as one: most often a
    password with an unescaped ``/``, ``#`` or ``?``, which ends the host part early (what
    follows is then taken for a port, a path or a fragment)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- parses the port: raises on "s3cr" from "bot:s3cr/et@host"
    except ValueError:
        return None
    # "bot:1234/et@host" parses (port 1234), but leaves "@" behind the host part.
    if "@" in parts.path or "@" in parts.fragment:
        return None
    return parts


def describe(target: str | Path) -> str:
    """The database for a log line: a file path, or a URL's host, port and name (never the
    user name or password, nor any of the URL when it can't be parsed)."""
    if not is_postgres_url(target):
        return str(target)
    parts = postgres_url_parts(str(target))
    if parts is None:
        return "postgresql://<unparseable URL>"
    host = parts.hostname or "localhost"
    return f"postgresql://{host}:{parts.port or 5432}{parts.path}"


class Queries(ABC):
    """The five statements every repository uses; a transaction's connection and the
    database itself (autocommit reads) both have them."""

    #: "sqlite" or "postgresql": for the rare statement only one engine has (NOTIFY).
    engine: str = ""

    @abstractmethod
    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; the number of rows it changed (callers ask "did it hit the
        row?"; on SQLite rows removed by ON DELETE CASCADE count too)."""
        ...

    @abstractmethod
    async def executemany(self, sql: str, rows: Iterable[Params]) -> None: ...

    @abstractmethod
    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]: ...

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        """The first column of the first row, or None."""
        row = await self.fetchone(sql, params)
        return row[0] if row is not None else None


class Database(Queries):
    """An open, migrated database. ``engine`` is ``"sqlite"`` or ``"postgresql"``."""

    engine: str = ""
    target: str | Path = ""

    @abstractmethod
    def transaction(self) -> Any:
        """``async with db.transaction() as conn``: commit at the end, roll back on error."""
        ...

    @abstractmethod
    def stream(self, sql: str, params: Params = (), size: int = 5_000) -> AsyncIterator[list[Row]]:
        """The rows of a large query in lists of up to ``size``, without holding all at once."""
        ...

    @abstractmethod
    async def schema_version(self) -> int: ...

    @abstractmethod
    async def close(self) -> None: ...


# --- SQLite -----------------------------------------------------------------------------------


class _SqliteQueries(Queries):
    engine = SQLITE

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    # One trip to aiosqlite's thread per statement (a cursor, its rows and its close were
    # three): under load every trip waits its turn on the event loop, and a transaction holds
    # SQLite's one write lock for all of its trips.
    async def execute(self, sql: str, params: Params = ()) -> int:
        # Rows changed: the connection's running count, before and after (cascaded deletes
        # included). Only the writer holding the write lock changes rows; no triggers.
        before = self.conn.total_changes
        await self.conn.execute_fetchall(sql, tuple(params))
        return self.conn.total_changes - before

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        await self.conn.executemany(sql, [tuple(r) for r in rows])

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        return list(await self.conn.execute_fetchall(sql, tuple(params)))


class SqliteDatabase(_SqliteQueries, Database):
    """One aiosqlite connection; writes go through :meth:`transaction`, serialised by a lock."""

    engine = SQLITE

    def __init__(self, conn: aiosqlite.Connection, target: str | Path = "") -> None:
        super().__init__(conn)
        self.target = target
        self._write_lock = asyncio.Lock()
        self._tx = _SqliteQueries(conn)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Queries]:
        """BEGIN IMMEDIATE … COMMIT, rolled back if the block raises."""
        async with self._write_lock:
            try:
                # Inside the try: a task cancelled while BEGIN is on its way must still roll
                # back, or the connection is left in a transaction nobody owns. (The rollback
                # is queued behind the BEGIN on aiosqlite's thread, and is a no-op without one.)
                await self.conn.execute("BEGIN IMMEDIATE")
                yield self._tx
            except BaseException:
                await self.conn.rollback()
                raise
            else:
                await self.conn.commit()

    async def execute(self, sql: str, params: Params = ()) -> int:
        async with self.transaction() as conn:
            return await conn.execute(sql, params)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        async with self.transaction() as conn:
            await conn.executemany(sql, rows)

    async def stream(
        self, sql: str, params: Params = (), size: int = 5_000
    ) -> AsyncIterator[list[Row]]:
        async with self.conn.execute(sql, tuple(params)) as cursor:
            while rows := await cursor.fetchmany(size):
                yield list(rows)

    async def schema_version(self) -> int:
        return int(await self.fetchval("PRAGMA user_version") or 0)

    async def close(self) -> None:
        await self.conn.close()


async def _open_sqlite(path: Path | str) -> SqliteDatabase:
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = await aiosqlite.connect(str(path), isolation_level=None)
    conn.row_factory = aiosqlite.Row
    try:
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA foreign_keys=ON")
        await conn.execute("PRAGMA synchronous=NORMAL")
        await conn.execute("PRAGMA busy_timeout=5000")
        db = SqliteDatabase(conn, path)
        current = await db.schema_version()
        for version, script in _pending(current, path):
            log.info("Migrating database to schema version %d", version)
            async with db.transaction() as tx:
                for statement in _statements(script):
                    await tx.execute(statement)
                await tx.execute(f"PRAGMA user_version = {version}")
    except BaseException:
        await conn.close()
        raise
    return db


# --- PostgreSQL -------------------------------------------------------------------------------


@functools.lru_cache(maxsize=2048)
def to_postgres(sql: str) -> str:
    """``?`` placeholders (outside quoted text) as PostgreSQL's ``$1, $2, …``."""
    out: list[str] = []
    number = 0
    quoted = False
    for char in sql:
        if char == "'":
            quoted = not quoted
        elif char == "?" and not quoted:
            number += 1
            out.append(f"${number}")
            continue
        out.append(char)
    return "".join(out)


_DDL = [
    (
        re.compile(r"\bINTEGER PRIMARY KEY( AUTOINCREMENT)?\b"),
        "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
    ),
    (re.compile(r"\bINTEGER\b"), "BIGINT"),
    (re.compile(r"\bBLOB\b"), "BYTEA"),
]


def postgres_ddl(script: str) -> str:
    """A migration written for SQLite, with the column types PostgreSQL needs."""
    for pattern, replacement in _DDL:
        script = pattern.sub(replacement, script)
    return script


def _count(status: str) -> int:
    """The row count in a command tag ("UPDATE 3", "INSERT 0 1")."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


class _PgQueries(Queries):
    engine = POSTGRESQL

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    async def execute(self, sql: str, params: Params = ()) -> int:
        return _count(await self.conn.execute(to_postgres(sql), *params))

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        rows = [tuple(r) for r in rows]
        if rows:
            await self.conn.executemany(to_postgres(sql), rows)

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        return list(await self.conn.fetch(to_postgres(sql), *params))

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        return await self.conn.fetchval(to_postgres(sql), *params)


class PostgresDatabase(Database):
    """An asyncpg pool; every statement and transaction takes a connection from it, waiting
    at most ``acquire_timeout`` seconds for one (then :class:`PoolExhausted`)."""

    engine = POSTGRESQL

    def __init__(self, pool: Any, target: str, acquire_timeout: float = ACQUIRE_TIMEOUT) -> None:
        self.pool = pool
        self.target = target
        self.acquire_timeout = acquire_timeout
        # The task inside one of this database's transactions, in that task's context (a task
        # started inside the block inherits the value but is another task, so it may use the
        # pool: only the holder itself is refused).
        self._holder: ContextVar[asyncio.Task[Any] | None] = ContextVar(
            f"transaction_holder_{id(self)}", default=None
        )

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[Any]:
        """A pool connection, refused to a task that holds a transaction (it would need two,
        and with every connection held that way the pool deadlocks)."""
        if self._holder.get() is asyncio.current_task():
            raise ReadOutsideTransaction(
                "This task is inside a transaction: run the statement on its conn."
            )
        try:
            conn = await self.pool.acquire(timeout=self.acquire_timeout)
        except TimeoutError as error:
            raise PoolExhausted(
                f"No database connection came free in {self.acquire_timeout:g} s "
                f"(all {self.pool.get_max_size()} busy)."
            ) from error
        try:
            yield conn
        finally:
            await self.pool.release(conn)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Queries]:
        async with self._connection() as conn, conn.transaction():
            token = self._holder.set(asyncio.current_task())
            try:
                yield _PgQueries(conn)
            finally:
                self._holder.reset(token)

    async def execute(self, sql: str, params: Params = ()) -> int:
        async with self._connection() as conn:
            return _count(await conn.execute(to_postgres(sql), *params))

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        async with self.transaction() as conn:
            await conn.executemany(sql, rows)

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        async with self._connection() as conn:
            return list(await conn.fetch(to_postgres(sql), *params))

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        async with self._connection() as conn:
            return await conn.fetchval(to_postgres(sql), *params)

    async def stream(
        self, sql: str, params: Params = (), size: int = 5_000
    ) -> AsyncIterator[list[Row]]:
        async with self._connection() as conn, conn.transaction():
            cursor = await conn.cursor(to_postgres(sql), *params)
            while rows := await cursor.fetch(size):
                yield list(rows)

    async def schema_version(self) -> int:
        return int(await self.fetchval("SELECT max(version) FROM schema_version") or 0)

    async def close(self) -> None:
        await self.pool.close()


#: Any number: the advisory lock that lets one process at a time migrate.
_MIGRATION_LOCK = 7_361_042


async def take_turn(conn: Queries, key: int) -> None:
    """In a transaction: on PostgreSQL, wait for advisory lock ``key``, held until the
    transaction ends, so processes writing under the same key take turns (each commits before
    the next goes on). SQLite has one writer at a time anyway: nothing to do."""
    if conn.engine == POSTGRESQL:
        await conn.execute("SELECT pg_advisory_xact_lock(?)", (key,))


@asynccontextmanager
async def one_at_a_time(db: Database, key: int) -> AsyncIterator[None]:
    """Run the block in one process at a time: on PostgreSQL under advisory lock ``key``, held
    on a connection of its own (the block may run several transactions). On SQLite the block
    just runs (its writes are serialised by SQLite)."""
    if not isinstance(db, PostgresDatabase):
        yield
        return
    async with db.pool.acquire() as conn:
        await conn.execute("SELECT pg_advisory_lock($1)", key)
        try:
            yield
        finally:
            # (Should this fail, the pool's reset of the connection lets go of the lock.)
            await conn.execute("SELECT pg_advisory_unlock($1)", key)


async def _open_postgres(url: str, pool_size: int, acquire_timeout: float) -> PostgresDatabase:
    import asyncpg

    try:
        pool = await asyncpg.create_pool(url, min_size=1, max_size=pool_size)
    except (TimeoutError, OSError, asyncpg.CannotConnectNowError) as error:
        raise DatabaseUnreachable(f"{describe(url)}: {error or type(error).__name__}") from error
    except (
        asyncpg.InvalidAuthorizationSpecificationError,
        asyncpg.InvalidCatalogNameError,
    ) as error:
        raise DatabaseRefused(
            f"PostgreSQL at {describe(url)} refused the connection: {error}. Check DATABASE_URL."
        ) from error
    db = PostgresDatabase(pool, url, acquire_timeout)
    try:
        async with db.transaction() as tx:
            await take_turn(tx, _MIGRATION_LOCK)
            await tx.execute("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)")
            current = int(await tx.fetchval("SELECT max(version) FROM schema_version") or 0)
            for version, script in _pending(current, url):
                log.info("Migrating database to schema version %d", version)
                for statement in _statements(postgres_ddl(script)):
                    await tx.execute(statement)
                await tx.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))
    except BaseException:
        await pool.close()
        raise
    return db


# --- both ---------------------------------------------------------------------------------------


async def open_database(
    target: str | Path, *, pool_size: int = 10, acquire_timeout: float = ACQUIRE_TIMEOUT
) -> Database:
    """Open and migrate: a ``postgresql://`` URL, else an SQLite file (folders created as
    needed). A schema newer than this code is refused; an unreachable PostgreSQL raises
    :class:`DatabaseUnreachable`. ``acquire_timeout``: seconds to wait for a free connection of
    the PostgreSQL pool before :class:`PoolExhausted`."""
    if is_postgres_url(target):
        return await _open_postgres(str(target), pool_size, acquire_timeout)
    return await _open_sqlite(target)


def _pending(current: int, target: str | Path) -> list[tuple[int, str]]:
    latest = len(MIGRATIONS)
    if current > latest:
        setting = "DATABASE_URL" if is_postgres_url(target) else "DATABASE_PATH"
        raise SchemaTooNew(
            f"The database is at schema version {current}, but this version of the bot only "
            f"knows up to {latest}. Upgrade the bot or point {setting} at another database."
        )
    return [(v, MIGRATIONS[v - 1]) for v in range(current + 1, latest + 1)]


def _statements(script: str) -> list[str]:
    """Split a migration script on ';' at line ends (our scripts hold no ';' in strings)."""
    return [s.strip() for s in script.split(";\n") if s.strip()]
