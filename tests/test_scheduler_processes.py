"""Several processes sharing one outbox: two Schedulers, each on its own database handle, stand
for two processes (on PostgreSQL, two connection pools to one database)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.scheduler import Outgoing, Scheduler
from bot.storage.db import Database, open_database
from bot.storage.outbox import OutboxRepo
from fakecord.clock import ShiftedClock
from tests.databases import as_process, cut_connections, fresh_database, postgres_only
from tests.scheduler_helpers import Recorder, make, queue, wait_for
from tests.storage.outbox_helpers import outbox_counts

T0 = datetime(2025, 5, 30, 6, 59, 59, tzinfo=UTC)
#: Short leases, so a test waits seconds, not tens of seconds, for one to run out.
SHORT = {"lease": timedelta(seconds=1), "renew_every": timedelta(milliseconds=200)}
#: No safety-net re-check within a test: a wake-up must come from a timer or a notification.
NO_POLLING = {"recheck": timedelta(hours=1)}


class Slow(Recorder):
    """A sender whose every message takes ``seconds`` (a fan-out behind the rate limit)."""

    def __init__(self, clock: ShiftedClock, seconds: float) -> None:
        super().__init__(clock)
        self.seconds = seconds
        self.started = asyncio.Event()

    async def __call__(self, message: Outgoing, nonce: str) -> None:
        self.started.set()
        await asyncio.sleep(self.seconds)
        await super().__call__(message, nonce)


@contextlib.asynccontextmanager
async def running(*schedulers: Scheduler) -> AsyncIterator[None]:
    for scheduler in schedulers:
        await scheduler.start()
    try:
        yield
    finally:
        for scheduler in schedulers:
            await scheduler.stop()


@pytest.fixture
async def target(tmp_path: Path) -> Path | str:
    return fresh_database(tmp_path, "db.sqlite3")


@pytest.fixture
async def db(target: Path | str) -> AsyncIterator[Database]:
    database = await open_database(target)
    yield database
    await database.close()


@pytest.fixture
async def other(target: Path | str, db: Database) -> AsyncIterator[Database]:
    database = await open_database(target)
    yield database
    await database.close()


def nonces(*senders: Recorder) -> list[str]:
    return sorted(nonce for send in senders for _, nonce, _ in send.sent)


async def test_two_processes_send_every_row_once(db: Database, other: Database) -> None:
    clock = ShiftedClock(T0)
    ids = [await queue(db, "test", T0, data={"text": str(n)}) for n in range(30)]
    a, b = Slow(clock, 0.01), Slow(clock, 0.01)
    # Few sends at a time each, so both claim again and again while the other is sending.
    first = make(db, clock, a, concurrency=3)
    second = make(other, clock, b, concurrency=3)
    async with running(first, second):
        await wait_for(lambda: len(a.sent) + len(b.sent) >= 30, within=20)
        await wait_for(lambda: first.idle and second.idle)
    assert nonces(a, b) == sorted(f"wp{i}.0" for i in ids)
    # On a busy machine a row may be marked late (sent over a second after its time): once all the same.
    counts = await outbox_counts(db)
    assert set(counts) <= {"sent", "late"} and sum(counts.values()) == 30, counts


async def test_a_dead_process_rows_are_sent_by_another_within_the_lease(
    db: Database, other: Database
) -> None:
    clock = ShiftedClock(T0)
    delivery_id = await queue(db, "test", T0)
    # The dead process claimed the row and never marked it (it was killed mid-send).
    [claimed] = await OutboxRepo(db, "dead-host:1:abc", SHORT["lease"]).claim_due(T0, 10)
    send = Recorder(clock)
    survivor = make(other, clock, send, **SHORT, **NO_POLLING)
    async with running(survivor):
        await wait_for(lambda: send.sent, within=10)
        await wait_for(lambda: survivor.idle)
    assert [nonce for _, nonce, _ in send.sent] == [f"{claimed.nonce}.0"]  # the same nonce
    marked = await db.fetchone("SELECT state, claimed_by FROM outbox WHERE id = ?", (delivery_id,))
    assert marked["state"] in ("sent", "late") and marked["claimed_by"] == survivor.claimant


async def test_a_process_still_sending_keeps_its_rows(db: Database, other: Database) -> None:
    clock = ShiftedClock(T0)
    await queue(db, "test", T0)
    slow = Slow(clock, 2.5)  # well past the 1 s lease: only the heartbeat keeps the row
    watcher = Recorder(clock)
    sender = make(db, clock, slow, **SHORT)
    bystander = make(other, clock, watcher, **SHORT)
    async with running(sender):
        await asyncio.wait_for(slow.started.wait(), 5)
        async with running(bystander):
            await wait_for(lambda: slow.sent, within=10)
            await wait_for(lambda: sender.idle)
    assert not watcher.sent
    assert await outbox_counts(db) == {"sent": 1}


@postgres_only
async def test_a_row_added_by_one_process_wakes_another(db: Database, other: Database) -> None:
    clock = ShiftedClock(T0)
    send = Recorder(clock)
    waiting = make(other, clock, send, **NO_POLLING)
    async with running(waiting):
        await asyncio.wait_for(waiting.listener.connected.wait(), 5)
        await wait_for(lambda: waiting.armed_for is None)  # nothing pending: no timer at all
        soon = T0 + timedelta(milliseconds=300)
        await queue(db, "test", soon)  # by "process A", which never pokes B
        await wait_for(lambda: send.sent, within=10)
    assert send.sent[0][2] >= soon


@postgres_only
async def test_the_scheduler_survives_losing_every_connection(
    target: str, other: Database, caplog: pytest.LogCaptureFixture
) -> None:
    """All its connections are cut while it marks rows it has just sent (and while its listener
    waits): it marks them once the database answers again, sends none twice, and a row added
    afterwards by another process still wakes it."""
    named, app = as_process(target, "bot")
    db = await open_database(named)
    clock = ShiftedClock(T0)
    locked = asyncio.Event()
    cut: list[int] = []

    async def cut_while_marking() -> None:
        # Hold the outbox so the marks wait, cut the connections they wait on, then let go.
        import asyncpg

        admin = await asyncpg.connect(target)  # a connection of the test's own: not cut
        try:
            async with admin.transaction():
                await admin.execute("LOCK TABLE outbox IN ACCESS EXCLUSIVE MODE")
                locked.set()
                async with asyncio.timeout(10):
                    while not await admin.fetchval(  # noqa: ASYNC110 (polling the server)
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE application_name = $1 AND wait_event_type = 'Lock'",
                        app,
                    ):
                        await asyncio.sleep(0.02)
                cut.append(await cut_connections(app))
        finally:
            await admin.close()

    cutter: list[asyncio.Task[None]] = []

    class Cutting(Recorder):
        async def __call__(self, message: Outgoing, nonce: str) -> None:
            await super().__call__(message, nonce)
            if len(self.sent) == 5:  # the last: its mark (at least) waits for the lock
                cutter.append(asyncio.create_task(cut_while_marking()))
                await asyncio.wait_for(locked.wait(), 5)

    ids = [await queue(db, "test", T0 + timedelta(milliseconds=200)) for _ in range(5)]
    send = Cutting(clock)
    scheduler = make(db, clock, send, **NO_POLLING)
    caplog.set_level(logging.INFO, logger="bot")
    try:
        async with running(scheduler):
            await asyncio.wait_for(scheduler.listener.connected.wait(), 5)
            await wait_for(lambda: cut, within=10)
            await cutter[0]
            assert cut[0] >= 2  # the waiting marks' connections and the listener's
            await wait_for(lambda: scheduler.idle, within=10)
            assert await outbox_counts(other) == {"sent": 5}
            ids.append(await queue(other, "test", T0))  # by another process, no poke
            await wait_for(lambda: len(send.sent) == 6, within=15)
            await wait_for(lambda: scheduler.idle)
    finally:
        await db.close()
    assert nonces(send) == sorted(f"wp{i}.0" for i in ids)
    assert await outbox_counts(other) == {"sent": 6}
    lost = [r for r in caplog.records if "lost the database" in r.getMessage()]
    assert lost and not any(r.exc_info for r in caplog.records if r.name.startswith("bot"))
