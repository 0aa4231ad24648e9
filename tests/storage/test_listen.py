"""The LISTEN connection: notifications from another process's transaction, and reconnecting."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from bot.storage import outbox
from bot.storage.db import open_database
from bot.storage.listen import Listener
from tests.databases import as_process, cut_connections, fresh_database, postgres_only
from tests.scheduler_helpers import wait_for
from tests.storage.test_outbox import T0


@postgres_only
async def test_a_row_added_by_another_process_is_heard_and_a_lost_connection_comes_back(
    tmp_path: Path,
) -> None:
    target = fresh_database(tmp_path)
    named, app = as_process(target, "listener")
    mine, theirs = await open_database(named), await open_database(target)
    elsewhere = await open_database(fresh_database(tmp_path, "another deployment"))
    heard: list[str] = []
    connects: list[int] = []
    listener = Listener(mine, outbox.CHANNEL, heard.append, lambda: connects.append(1))
    listener.start()
    try:
        await asyncio.wait_for(listener.connected.wait(), 5)
        # Another schema of the same database: its NOTIFY (committed first) must not reach us.
        async with elsewhere.transaction() as conn:
            await outbox.add(conn, "test", 1, T0 - timedelta(days=1))
        async with theirs.transaction() as conn:
            await outbox.add(conn, "test", 1, T0)
        await wait_for(lambda: heard)
        assert heard == [outbox.to_text(T0)]

        assert await cut_connections(app) >= 1  # the listener's own among them
        await wait_for(lambda: len(connects) == 2, within=10)  # back, and said so (re-check)
        async with theirs.transaction() as conn:
            await outbox.add(conn, "test", 2, T0)
        await wait_for(lambda: len(heard) == 2)
    finally:
        await listener.stop()
        await mine.close()
        await theirs.close()
        await elsewhere.close()
