"""Counting the SQL a service runs, through SQLite's own trace hook (no mocks): SQLite only."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.storage.db import Database


@asynccontextmanager
async def statements(db: Database) -> AsyncIterator[list[str]]:
    """Every SQL statement the database runs inside the block."""
    seen: list[str] = []
    await db.conn.set_trace_callback(seen.append)
    try:
        yield seen
    finally:
        await db.conn.set_trace_callback(None)


def reads_of(table: str, seen: list[str]) -> int:
    """How many SELECTs read ``table``."""
    return sum(1 for sql in seen if sql.lstrip().upper().startswith("SELECT") and table in sql)
