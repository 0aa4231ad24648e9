"""A task cancelled while its transaction is starting must not leave the connection in one."""

from __future__ import annotations

import asyncio

from bot.storage.db import open_database


async def test_cancel_while_begin_is_in_flight_leaves_no_open_transaction(tmp_path) -> None:
    db = await open_database(tmp_path / "db.sqlite3")
    try:
        for _ in range(20):  # the cancel lands at slightly different points each time

            async def write() -> None:
                async with db.transaction() as conn:
                    await conn.execute("INSERT INTO user_prefs (user_id) VALUES (1)")

            task = asyncio.create_task(write())
            await asyncio.sleep(0)  # let it send BEGIN, then cancel it mid-flight
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            async with db.transaction() as conn:  # raised "within a transaction" before the fix
                await conn.execute("DELETE FROM user_prefs")
        assert not db.conn.in_transaction
    finally:
        await db.close()
