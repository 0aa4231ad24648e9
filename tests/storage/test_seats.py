"""Seats on a real database: concurrent "Going" clicks never fill more seats than there are
(two processes on PostgreSQL: the party's row is locked), and the line keeps its order."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.domain import parties as rules
from bot.domain import seats as seat_rules
from bot.domain.parties import Party
from bot.storage import seats
from bot.storage.db import Database, open_database
from bot.storage.parties import PartyRepo
from tests.databases import fresh_database, postgres_only

NOW = datetime(2025, 5, 20, 12, 0, tzinfo=UTC)
START = NOW + timedelta(days=3)
HOST = 3


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    opened = await open_database(fresh_database(tmp_path, "db.sqlite3"))
    try:
        yield opened
    finally:
        await opened.close()


async def make_party(db: Database, capacity: int) -> int:
    party = Party(
        id=0,
        guild_id=1,
        channel_id=2,
        host_id=HOST,
        film_id="lost-in-starlight",
        starts_at=START,
        ends_at=None,
        zone_key="UTC",
        note="",
        reminders=(),
        capacity=capacity,
    )
    return (await PartyRepo(db).create(party, rules.plan(START, (), NOW), NOW)).id


async def answer(db: Database, party_id: int, user_id: int, wanted: str) -> Any:
    async with db.transaction() as conn:
        return await seats.answer(conn, party_id, user_id, wanted, NOW)


async def statuses(db: Database, party_id: int) -> dict[int, str]:
    return await PartyRepo(db).rsvps(party_id)


async def test_the_line_keeps_its_order_and_promotion_writes_one_notice(db: Database) -> None:
    party_id = await make_party(db, 2)
    results = [await answer(db, party_id, u, rules.GOING) for u in (10, 11, 12)]
    assert [r[0] for r in results if r] == [
        seat_rules.Answered(rules.GOING),
        seat_rules.Answered(seat_rules.WAITING, 1),
        seat_rules.Answered(seat_rules.WAITING, 2),
    ]
    done = await answer(db, party_id, 10, rules.NOT_GOING)
    assert done == (seat_rules.Answered(rules.NOT_GOING), [11])
    assert (await statuses(db, party_id))[11] == rules.GOING
    rows = await db.fetchall(
        "SELECT data, state FROM outbox WHERE kind = ? AND ref_id = ?",
        (seat_rules.PROMOTED, party_id),
    )
    assert [(r["data"], r["state"]) for r in rows] == [('{"users":[11]}', "pending")]


async def test_concurrent_clicks_never_overfill(db: Database) -> None:
    party_id = await make_party(db, 3)  # the host holds one seat
    await asyncio.gather(*(answer(db, party_id, 100 + n, rules.GOING) for n in range(12)))
    answers = await statuses(db, party_id)
    assert list(answers.values()).count(rules.GOING) == 3
    assert list(answers.values()).count(seat_rules.WAITING) == 10


@postgres_only
async def test_two_processes_clicking_at_once_never_overfill(tmp_path: Path) -> None:
    target = fresh_database(tmp_path, "db.sqlite3")
    first, second = await open_database(target), await open_database(target)
    try:
        party_id = await make_party(first, 2)
        await asyncio.gather(
            *(answer(first if n % 2 else second, party_id, 100 + n, rules.GOING) for n in range(20))
        )
        answers = await statuses(first, party_id)
        assert list(answers.values()).count(rules.GOING) == 2
        # the line has 19 distinct places
        places = await first.fetchall(
            "SELECT queue_no FROM rsvps WHERE party_id = ? AND status = 'waiting'", (party_id,)
        )
        assert sorted(r["queue_no"] for r in places) == list(range(1, 20))
        # seats given up at once in both processes go to distinct members, in line order
        seated = [u for u, s in answers.items() if s == rules.GOING and u != HOST]
        await asyncio.gather(
            answer(first, party_id, HOST, rules.NOT_GOING),
            answer(second, party_id, seated[0], rules.MAYBE),
        )
        after = await statuses(first, party_id)
        assert list(after.values()).count(rules.GOING) == 2
    finally:
        await first.close()
        await second.close()
