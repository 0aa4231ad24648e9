"""PostgreSQL restarted while the bot runs (a real server of the test's own, restarted with
pg_ctl): the scheduler reconnects, and no delivery is lost or sent twice."""

from __future__ import annotations

import asyncio
import subprocess
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.storage.db import open_database
from fakecord.clock import ShiftedClock
from tests.databases import postgres_only
from tests.scheduler_helpers import Recorder, make, queue, wait_for
from tests.storage.outbox_helpers import outbox_counts

SCRIPT = str(Path(__file__).resolve().parent.parent / ".ci" / "postgres")
T0 = datetime(2025, 5, 30, 6, 59, 59, tzinfo=UTC)


@pytest.fixture
def server() -> Iterator[tuple[str, str]]:
    """A PostgreSQL server of this test's own: (its folder, its URL)."""
    folder = tempfile.mkdtemp(prefix="wp-restart-")  # not under pytest's 0700 root folder
    url = subprocess.run(
        [SCRIPT, "start", folder], check=True, capture_output=True, text=True
    ).stdout.strip()
    try:
        yield folder, url
    finally:
        subprocess.run([SCRIPT, "stop", folder], check=False)


@postgres_only
async def test_a_restarted_server_loses_and_doubles_no_delivery(
    server: tuple[str, str],
) -> None:
    folder, url = server
    db = await open_database(url)
    other = await open_database(url)
    clock = ShiftedClock(T0)
    send = Recorder(clock)
    scheduler = make(db, clock, send, recheck=timedelta(hours=1))
    try:
        before = [await queue(db, "test", T0 + timedelta(milliseconds=300)) for _ in range(3)]
        during = [await queue(db, "test", T0 + timedelta(seconds=2)) for _ in range(3)]
        await scheduler.start()
        await wait_for(lambda: len(send.sent) == 3, within=10)
        await asyncio.to_thread(subprocess.run, [SCRIPT, "restart", folder], check=True)
        await wait_for(lambda: len(send.sent) == 6, within=30)
        # The listener is back: a row another process adds after the restart wakes it.
        after = [await queue(other, "test", clock.now())]
        await wait_for(lambda: len(send.sent) == 7, within=30)
        await wait_for(lambda: scheduler.idle, within=10)
    finally:
        await scheduler.stop()
        await db.close()
    try:
        assert sorted(n for _, n, _ in send.sent) == sorted(
            f"wp{i}.0" for i in before + during + after
        )
        assert await outbox_counts(other) == {"sent": 7}
    finally:
        await other.close()
