"""Who hears what, on a real database: a delivery's queries don't grow with the members, a
change notice is written with its change or not at all, re-plans at once leave one plan."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.config import DEFAULT_FILMS_DIR
from bot.domain.parties import REMINDER, Party
from bot.errors import BadOption
from bot.scheduler import Scheduler
from bot.services.settings import Preferences
from bot.services.watchparty import WatchParties
from bot.storage.db import Database, open_database
from bot.storage.films import sync_films
from bot.storage.filmstore import FilmStore
from bot.storage.outbox import Delivery, to_text
from fakecord.clock import ShiftedClock
from tests.databases import fresh_database, postgres_only, sqlite_only
from tests.services.queries import statements

NOW = datetime(2025, 5, 20, 12, 0, tzinfo=UTC)
GUILD, CHANNEL, HOST = 10, 100, 1
H, M = timedelta(hours=1), timedelta(minutes=1)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await open_database(fresh_database(tmp_path, "db.sqlite3"))
    try:
        yield database
    finally:
        await database.close()


async def service(db: Database) -> WatchParties:
    clock = ShiftedClock(NOW)

    async def never(*_: Any) -> None:  # this scheduler is never started
        raise AssertionError

    films = await FilmStore.open(db)
    return WatchParties(db, films, clock, Scheduler(db, clock, never), Preferences(db))


async def party(parties: WatchParties) -> Party:
    made = await parties.create(
        guild_id=GUILD,
        host_id=HOST,
        channel_id=CHANNEL,
        film="Our Club Film",
        when="in 2 hours",
        zone=None,
    )
    return made.party


async def members(db: Database, party_id: int, first: int, count: int) -> None:
    """``count`` members Going, every other one with a zone, every third with own lead times
    and every fifth by DM."""
    ids = range(first, first + count)
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO rsvps (party_id, user_id, status, updated_at) VALUES (?, ?, 'going', ?)",
            [(party_id, u, to_text(NOW)) for u in ids],
        )
        await conn.executemany(
            "INSERT INTO user_zones (user_id, zone, updated_at) VALUES (?, 'Asia/Seoul', ?)",
            [(u, to_text(NOW)) for u in ids if u % 2],
        )
        await conn.executemany(
            "INSERT INTO user_prefs (user_id, dm_pings, reminder_leads) VALUES (?, ?, ?)",
            [(u, int(u % 5 == 0), "3600" if u % 3 == 0 else None) for u in ids if u % 15],
        )


async def built_with(db: Database, parties: WatchParties, made: Party) -> int:
    """How many statements building the party's 1 h reminder runs."""
    delivery = Delivery(1, REMINDER, made.id, made.starts_at - H, 1, {"lead": 3600})
    async with statements(db) as seen:
        messages = await parties.build_delivery(delivery, late=False)
    assert messages
    return len(seen)


@sqlite_only
async def test_a_reminder_to_2000_members_runs_as_many_queries_as_one_to_20(db: Database) -> None:
    parties = await service(db)
    small, large = await party(parties), await party(parties)
    await members(db, small.id, 1_000, 20)
    await members(db, large.id, 10_000, 2_000)
    assert await built_with(db, parties, large) == await built_with(db, parties, small) <= 4


async def test_a_change_notice_is_written_with_its_change_or_not_at_all(db: Database) -> None:
    parties = await service(db)
    made = await party(parties)
    moved = replace(made, starts_at=made.starts_at + H)
    with pytest.raises(RuntimeError):
        async with db.transaction() as conn:
            assert await parties.hearing.queue_change(conn, made, moved, changed_by=HOST)
            raise RuntimeError("the change failed")
    count = "SELECT COUNT(*) FROM outbox WHERE kind = 'party_changed'"
    assert await db.fetchval(count) == 0
    async with db.transaction() as conn:
        await parties.hearing.queue_change(conn, made, moved, changed_by=HOST)
    assert await db.fetchval(count) == 1


async def test_rsvps_of_members_with_own_leads_in_two_processes_leave_one_row_per_lead(
    tmp_path: Path,
) -> None:
    target = fresh_database(tmp_path, "shared.sqlite3")
    first, second = await open_database(target), await open_database(target)
    try:
        one, two = await service(first), await service(second)
        made = await party(one)
        for user_id in range(2, 12):
            await one.hearing.set_own_leads(user_id, (30 * M, 5 * M))
        await asyncio.gather(
            *(
                (one if user_id % 2 else two).rsvp(made.id, user_id, "going")
                for user_id in range(2, 12)
            )
        )
        rows = await first.fetchall(
            "SELECT due_at FROM outbox WHERE ref_id = ? AND kind = ? AND state = 'pending'",
            (made.id, REMINDER),
        )
        leads = sorted(made.starts_at - datetime.fromisoformat(r["due_at"]) for r in rows)
        assert leads == [5 * M, 10 * M, 30 * M, H]
    finally:
        await first.close()
        await second.close()


async def changed_rows(db: Database, party_id: int) -> list[dict]:
    rows = await db.fetchall(
        "SELECT data FROM outbox WHERE ref_id = ? AND kind = 'party_changed' AND state = 'pending'",
        (party_id,),
    )
    return [json.loads(r["data"]) for r in rows]


async def test_two_moves_before_the_notice_is_sent_make_one_notice_from_the_first_time(
    db: Database,
) -> None:
    parties = await service(db)
    made = await party(parties)  # 2:00 PM
    await members(db, made.id, 2, 1)
    moved = await parties.edit(made, when="in 3 hours", editor_id=HOST)
    await parties.edit(moved.party, when="in 5 hours", editor_id=HOST)
    [data] = await changed_rows(db, made.id)
    assert data["was"] == made.starts_at.isoformat()
    notice = Delivery(1, "party_changed", made.id, NOW, 1, data)
    [message] = await parties.hearing.build_change(notice, late=False)
    assert "Was 2:00 PM Tuesday, now 5:00 PM Tuesday" in message.content


async def test_a_cancellation_after_a_move_not_yet_told_is_one_cancellation(db: Database) -> None:
    parties = await service(db)
    made = await party(parties)
    moved = await parties.edit(made, when="in 3 hours", editor_id=HOST)
    await parties.cancel(moved.party, by=2)
    [data] = await changed_rows(db, made.id)
    assert (data["was"], data["cancelled"], data["by"]) == (made.starts_at.isoformat(), True, 2)


async def test_moves_in_two_processes_at_once_leave_one_notice(tmp_path: Path) -> None:
    target = fresh_database(tmp_path, "shared.sqlite3")
    first, second = await open_database(target), await open_database(target)
    try:
        one, two = await service(first), await service(second)
        made = await party(one)
        outcomes = await asyncio.gather(
            one.edit(made, when="in 3 hours", editor_id=HOST),
            two.edit(made, when="in 4 hours", editor_id=HOST),
            return_exceptions=True,
        )
        # both were made from the same copy: one wins, the other is told to look again
        assert sorted(type(o).__name__ for o in outcomes) == ["Interpreted", "PartyChanged"]
        [data] = await changed_rows(first, made.id)
        assert data["was"] == made.starts_at.isoformat()
    finally:
        await first.close()
        await second.close()


async def test_a_typed_title_swapped_for_the_same_film_from_the_catalogue_tells_nobody(
    db: Database,
) -> None:
    assert not (await sync_films(db, DEFAULT_FILMS_DIR)).errors
    parties = await service(db)
    typed = await parties.create(
        guild_id=GUILD,
        host_id=HOST,
        channel_id=CHANNEL,
        film="Lost in Starlight",
        when="in 2 hours",
        zone=None,
    )
    await members(db, typed.party.id, 2, 1)
    found = await parties.films.get("lost-in-starlight")
    await parties.edit(typed.party, film=found, editor_id=HOST)
    [data] = await changed_rows(db, typed.party.id)
    notice = Delivery(1, "party_changed", typed.party.id, NOW, 1, data)
    assert await parties.hearing.build_change(notice, late=False) == []


async def test_the_bell_of_a_party_that_no_longer_exists_says_so(db: Database) -> None:
    parties = await service(db)
    with pytest.raises(BadOption, match=r"There's no watch party #99 any more"):
        await parties.hearing.set_reminders(99, 2, None)


@postgres_only
async def test_own_leads_set_while_the_members_answer_commits_elsewhere_are_planned(
    tmp_path: Path,
) -> None:
    """Process one sets a member's own lead times while process two's transaction of the same
    member's answer is open (it read the old ones): whichever goes second sees the other."""
    target = fresh_database(tmp_path, "shared.sqlite3")
    first, second = await open_database(target), await open_database(target)
    waiting = "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
    try:
        one, two = await service(first), await service(second)
        made = await party(one)
        async with second.transaction() as conn:  # WatchParties.rsvp's transaction
            await two.repo.set_rsvp(made.id, 2, "going", NOW, conn)
            await two.hearing.answered(conn, made, 2)
            setting = asyncio.create_task(one.hearing.set_own_leads(2, (30 * M,)))
            async with asyncio.timeout(8):  # until it is done, or waits for this answer
                while True:
                    if setting.done() or await first.fetchval(waiting):
                        break
                    await asyncio.sleep(0.01)
        await setting
        rows = await first.fetchall(
            "SELECT due_at FROM outbox WHERE ref_id = ? AND kind = ? AND state = 'pending'",
            (made.id, REMINDER),
        )
        assert made.starts_at - 30 * M in {datetime.fromisoformat(r["due_at"]) for r in rows}
    finally:
        await first.close()
        await second.close()
