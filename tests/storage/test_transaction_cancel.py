"""A task cancelled while its transaction is starting must not leave the connection in one."""

from __future__ import annotations

import asyncio
import threading

from bot.storage.db import open_database
from tests.databases import sqlite_only


@sqlite_only
async def test_cancel_while_begin_is_in_flight_leaves_no_open_transaction(tmp_path) -> None:
    db = await open_database(tmp_path / "db.sqlite3")
    loop = asyncio.get_running_loop()
    begin_started = asyncio.Event()
    held = threading.Event()
    release_begin = threading.Event()

    def hold_the_first_begin(sql: str) -> None:
        # Runs on aiosqlite's thread as SQLite starts a statement: keep BEGIN there until the
        # task that sent it has been cancelled, so the cancel lands mid-flight on every run.
        if sql == "BEGIN IMMEDIATE" and not held.is_set():
            held.set()
            loop.call_soon_threadsafe(begin_started.set)
            release_begin.wait(timeout=10)

    async def write() -> None:
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO user_prefs (user_id) VALUES (1)")

    try:
        await db.conn.set_trace_callback(hold_the_first_begin)
        task = asyncio.create_task(write())
        await begin_started.wait()
        task.cancel()
        release_begin.set()
        [outcome] = await asyncio.gather(task, return_exceptions=True)
        assert isinstance(outcome, asyncio.CancelledError)
        async with db.transaction() as conn:  # raised "within a transaction" before the fix
            await conn.execute("DELETE FROM user_prefs")
        assert await db.fetchall("SELECT * FROM user_prefs") == []
        assert not db.conn.in_transaction
    finally:
        release_begin.set()
        await db.close()
