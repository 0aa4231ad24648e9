"""The SQLite connection: WAL, foreign keys, numbered migrations, one writer at a time."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite

from bot.storage.migrations import MIGRATIONS

log = logging.getLogger(__name__)


class SchemaTooNew(Exception):
    """The database was written by a newer version of the bot."""


class Database:
    """One aiosqlite connection; writes go through :meth:`transaction`, serialised by a lock."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn
        self._write_lock = asyncio.Lock()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE … COMMIT, rolled back if the block raises."""
        async with self._write_lock:
            try:
                # Inside the try: a task cancelled while BEGIN is on its way must still roll
                # back, or the connection is left in a transaction nobody owns. (The rollback
                # is queued behind the BEGIN on aiosqlite's thread, and is a no-op without one.)
                await self.conn.execute("BEGIN IMMEDIATE")
                yield self.conn
            except BaseException:
                await self.conn.rollback()
                raise
            else:
                await self.conn.commit()

    async def fetchall(self, sql: str, params: tuple | dict = ()) -> list[aiosqlite.Row]:
        async with self.conn.execute(sql, params) as cur:
            return list(await cur.fetchall())

    async def fetchone(self, sql: str, params: tuple | dict = ()) -> aiosqlite.Row | None:
        async with self.conn.execute(sql, params) as cur:
            return await cur.fetchone()

    async def schema_version(self) -> int:
        row = await self.fetchone("PRAGMA user_version")
        return int(row[0]) if row else 0

    async def close(self) -> None:
        await self.conn.close()


async def open_database(path: Path | str) -> Database:
    """Open (creating folders if needed) and migrate; refuse a schema newer than this code."""
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = await aiosqlite.connect(str(path), isolation_level=None)
    conn.row_factory = aiosqlite.Row
    try:
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA foreign_keys=ON")
        await conn.execute("PRAGMA synchronous=NORMAL")
        await conn.execute("PRAGMA busy_timeout=5000")
        db = Database(conn)
        await migrate(db)
    except BaseException:
        await conn.close()
        raise
    return db


async def migrate(db: Database) -> None:
    current = await db.schema_version()
    latest = len(MIGRATIONS)
    if current > latest:
        raise SchemaTooNew(
            f"The database is at schema version {current}, but this version of the bot only "
            f"knows up to {latest}. Upgrade the bot or point DATABASE_PATH at another file."
        )
    for version in range(current + 1, latest + 1):
        log.info("Migrating database to schema version %d", version)
        async with db.transaction() as conn:
            for statement in _statements(MIGRATIONS[version - 1]):
                await conn.execute(statement)
            await conn.execute(f"PRAGMA user_version = {version}")


def _statements(script: str) -> list[str]:
    """Split a migration script on ';' at line ends (our scripts hold no ';' in strings)."""
    return [s.strip() for s in script.split(";\n") if s.strip()]
