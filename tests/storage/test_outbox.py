"""The outbox's claims and leases, with two database handles standing for two processes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.storage import outbox
from bot.storage.db import Database, open_database
from bot.storage.outbox import OutboxRepo
from tests.databases import fresh_database

T0 = datetime(2025, 5, 30, 7, 0, tzinfo=UTC)
LONG = timedelta(minutes=5)
GONE = timedelta(0)  # a lease that has run out as soon as it is taken


@pytest.fixture
async def other(tmp_path: Path, db: Database) -> AsyncIterator[Database]:
    """A second handle on the test's database: another process."""
    database = await open_database(fresh_database(tmp_path, "db.sqlite3"))
    yield database
    await database.close()


async def queue(db: Database, count: int = 1) -> list[int]:
    async with db.transaction() as conn:
        return [await outbox.add(conn, "test", 1, T0) for _ in range(count)]


async def row(db: Database, delivery_id: int) -> dict:
    found = await db.fetchone(
        "SELECT state, claimed_by, attempts FROM outbox WHERE id = ?", (delivery_id,)
    )
    return dict(found)


async def test_two_processes_claiming_at_once_get_disjoint_rows(db: Database, other: Database):
    ids = await queue(db, 50)
    a, b = OutboxRepo(db, "a", LONG), OutboxRepo(other, "b", LONG)
    got_a, got_b = await asyncio.gather(a.claim_due(T0, 30), b.claim_due(T0, 30))
    claimed_a, claimed_b = {d.id for d in got_a}, {d.id for d in got_b}
    assert not claimed_a & claimed_b
    assert claimed_a | claimed_b == set(ids)


async def test_a_row_under_a_live_lease_is_not_claimed_again(db: Database, other: Database):
    await queue(db)
    assert await OutboxRepo(db, "a", LONG).claim_due(T0, 10)
    assert await OutboxRepo(other, "b", LONG).claim_due(T0 + timedelta(hours=1), 10) == []


async def test_a_row_whose_lease_ran_out_is_claimed_by_another(db: Database, other: Database):
    [delivery_id] = await queue(db)
    await OutboxRepo(db, "dead", GONE).claim_due(T0, 10)
    await asyncio.sleep(0.01)
    [again] = await OutboxRepo(other, "b", LONG).claim_due(T0, 10)
    assert again.id == delivery_id and again.attempts == 2
    assert again.nonce == f"wp{delivery_id}"  # the re-send is dropped if the first got through
    assert (await row(db, delivery_id))["claimed_by"] == "b"


async def test_a_row_whose_lease_ran_out_is_claimed_by_its_own_claimant_too(db: Database):
    await queue(db)
    repo = OutboxRepo(db, "a", GONE)
    await repo.claim_due(T0, 10)
    await asyncio.sleep(0.01)
    [again] = await repo.claim_due(T0, 10)
    assert again.attempts == 2


async def test_a_renewed_lease_keeps_the_row(db: Database, other: Database):
    [delivery_id] = await queue(db)
    await OutboxRepo(db, "a", GONE).claim_due(T0, 10)
    assert await OutboxRepo(db, "a", LONG).renew([delivery_id]) == 1
    await asyncio.sleep(0.01)
    assert await OutboxRepo(other, "b", LONG).claim_due(T0, 10) == []


async def test_a_claim_that_lost_its_lease_cannot_mark_the_row(db: Database, other: Database):
    [delivery_id] = await queue(db)
    [first] = await OutboxRepo(db, "a", GONE).claim_due(T0, 10)
    await asyncio.sleep(0.01)
    b = OutboxRepo(other, "b", LONG)
    [second] = await b.claim_due(T0, 10)
    assert not await OutboxRepo(db, "a", GONE).finish(first, outbox.FAILED, T0, "late answer")
    assert await row(db, delivery_id) == {"state": "sending", "claimed_by": "b", "attempts": 2}
    assert await b.finish(second, outbox.SENT, T0)
    assert (await row(db, delivery_id))["state"] == "sent"


async def test_marking_a_row_twice_is_harmless(db: Database):
    """A mark whose answer was lost with the connection is simply made again."""
    [delivery_id] = await queue(db)
    repo = OutboxRepo(db, "a", LONG)
    [delivery] = await repo.claim_due(T0, 10)
    assert await repo.finish(delivery, outbox.SENT, T0)
    assert await repo.finish(delivery, outbox.SENT, T0)
    assert (await row(db, delivery_id))["state"] == "sent"


async def test_the_soonest_lease_to_run_out_is_known_to_every_process(
    db: Database, other: Database
):
    await queue(db)
    await OutboxRepo(db, "a", LONG).claim_due(T0, 10)
    wake = await OutboxRepo(other, "b", LONG).next_wake()
    assert wake.due is None  # nothing pending
    assert wake.lease_left is not None and timedelta(0) < wake.lease_left <= LONG


async def test_a_clean_shutdown_hands_its_rows_back(db: Database, other: Database):
    [delivery_id] = await queue(db)
    a = OutboxRepo(db, "a", LONG)
    await a.claim_due(T0, 10)
    assert await a.release() == 1
    [taken] = await OutboxRepo(other, "b", LONG).claim_due(T0, 10)
    assert taken.id == delivery_id
