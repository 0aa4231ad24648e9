"""Moving an SQLite database to PostgreSQL (``python -m bot db copy``).

Both databases are opened (and so migrated to the latest schema) by the caller. The copy reads
the source in one snapshot, table by table in batches (100,000 films never sit in memory at
once), and writes the target in one transaction with PostgreSQL's COPY, keeping every id; then
each identity sequence is moved past the copied ids, so rows added afterwards get fresh ones.
The table list comes from the source's schema, so tables added by later migrations are copied
without a change here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.storage.db import Database, PostgresDatabase, SqliteDatabase
from bot.storage.outbox import PENDING, SENDING

#: ``progress(table, rows copied so far, rows in the table)``: before a table's first batch and
#: after each one.
Progress = Callable[[str, int, int], None]

#: PostgreSQL's record of the migrations it ran: written by ``open_database``, never copied.
_BOOKKEEPING = {"schema_version"}

#: What a column is read as, where the copy changes it: a delivery some process was sending
#: when the bot stopped belongs to no process after the move, so it goes out again (its nonce
#: stops a duplicate).
_READ_AS = {
    ("outbox", "state"): f"CASE WHEN state = '{SENDING}' THEN '{PENDING}' ELSE state END",
    ("outbox", "claimed_by"): "NULL",
    ("outbox", "lease_until"): "NULL",
}


class TargetNotEmpty(Exception):
    """The target already holds rows (``tables``) and replacing them was not asked for."""

    def __init__(self, tables: list[str]) -> None:
        super().__init__(", ".join(tables))
        self.tables = tables


class CopyFailed(Exception):
    """A table could not be copied (the target is left as it was)."""


@dataclass(frozen=True)
class CopyResult:
    tables: int
    rows: int


@dataclass(frozen=True)
class _Table:
    name: str
    columns: list[str]
    rows: int
    next_id: dict[str, int]  # identity column -> the least id SQLite would hand out next

    def select(self) -> str:
        picked = ", ".join(_READ_AS.get((self.name, c), c) for c in self.columns)
        return f"SELECT {picked} FROM {self.name}"


async def copy_database(
    source: Database,
    target: Database,
    *,
    force: bool = False,
    progress: Progress | None = None,
    batch: int = 2_000,
) -> CopyResult:
    """Copy every table of the SQLite ``source`` into the PostgreSQL ``target``, ids kept.

    Raises :class:`TargetNotEmpty` when the target has any row and ``force`` is false (with
    ``force`` its rows are replaced), :class:`CopyFailed` when a row won't go in. Either way the
    target is unchanged unless the whole copy succeeded.
    """
    if not isinstance(source, SqliteDatabase) or not isinstance(target, PostgresDatabase):
        raise TypeError("db copy moves an SQLite database to PostgreSQL")
    report = progress or (lambda table, copied, total: None)
    # One read transaction: the tables are read as of one moment, even if a bot still writes.
    await source.conn.execute("BEGIN")
    try:
        tables = await _source_tables(source)
        async with target.pool.acquire() as conn, conn.transaction():
            await _check_target(conn, tables, force)
            for table in tables:
                await _copy_table(source, conn, table, batch, report)
            await _reset_identities(conn, tables)
    finally:
        await source.conn.rollback()
    return CopyResult(len(tables), sum(t.rows for t in tables))


async def _source_tables(source: SqliteDatabase) -> list[_Table]:
    """The source's tables, each after the tables its foreign keys point to."""
    every = await _sqlite_tables(source)
    names = [name for name in every if not name.startswith("sqlite_")]
    # sqlite_sequence: the highest id each AUTOINCREMENT table ever handed out (deleted or not)
    sequences: dict[str, int] = {}
    if "sqlite_sequence" in every:
        rows = await source.fetchall("SELECT name, seq FROM sqlite_sequence")
        sequences = {row[0]: int(row[1]) for row in rows}
    parents = {
        name: {row["table"] for row in await source.fetchall(f"PRAGMA foreign_key_list({name})")}
        for name in names
    }
    ordered: list[str] = []

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in ordered or name in path:
            return
        for parent in sorted(parents.get(name, set())):
            visit(parent, (*path, name))
        ordered.append(name)

    for name in names:
        visit(name, ())
    tables = []
    for name in ordered:
        info = await source.fetchall(f"PRAGMA table_info({name})")
        columns = [row["name"] for row in info]
        # A lone INTEGER PRIMARY KEY is SQLite's rowid: the column PostgreSQL makes an identity.
        keys = [row for row in info if row["pk"]]
        next_id = {}
        if len(keys) == 1 and str(keys[0]["type"]).upper() == "INTEGER":
            key = keys[0]["name"]
            highest = int(await source.fetchval(f"SELECT max({key}) FROM {name}") or 0)
            next_id[key] = max(highest, sequences.get(name, 0)) + 1
        count = int(await source.fetchval(f"SELECT count(*) FROM {name}") or 0)
        tables.append(_Table(name, columns, count, next_id))
    return tables


async def _sqlite_tables(source: SqliteDatabase) -> list[str]:
    """Every table, SQLite's own included, in the order they were created."""
    rows = await source.fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY rowid"
    )
    return [row[0] for row in rows]


async def _check_target(conn: Any, tables: list[_Table], force: bool) -> None:
    """Refuse a target with rows (unless ``force``: then empty it) or without a source table."""
    present = {
        row[0]
        for row in await conn.fetch(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        )
    } - _BOOKKEEPING
    missing = [t.name for t in tables if t.name not in present]
    if missing:
        raise CopyFailed(f"the target has no table {', '.join(missing)}: is it an older schema?")
    filled = [
        name
        for name in sorted(present)
        if await conn.fetchval(f"SELECT EXISTS (SELECT 1 FROM {name})")
    ]
    if filled and not force:
        raise TargetNotEmpty(filled)
    if filled:
        await conn.execute(f"TRUNCATE {', '.join(sorted(present))}")


async def _copy_table(
    source: SqliteDatabase, conn: Any, table: _Table, batch: int, report: Progress
) -> None:
    import asyncpg

    copied = 0
    report(table.name, copied, table.rows)
    async for rows in source.stream(table.select(), size=batch):
        try:
            await conn.copy_records_to_table(
                table.name, records=[tuple(row) for row in rows], columns=table.columns
            )
        except (asyncpg.PostgresError, asyncpg.DataError, ValueError, TypeError) as error:
            raise CopyFailed(f"table {table.name}: {error}") from error
        copied += len(rows)
        report(table.name, copied, table.rows)


async def _reset_identities(conn: Any, tables: list[_Table]) -> None:
    """Move each identity past the copied ids (and past ids SQLite handed out and deleted)."""
    for table in tables:
        for column, next_id in table.next_id.items():
            sequence = await conn.fetchval(
                "SELECT pg_get_serial_sequence($1, $2)", table.name, column
            )
            if sequence is not None:
                await conn.execute("SELECT setval($1::regclass, $2, false)", sequence, next_id)
