"""Moving an SQLite database, filled by the bot itself, to a real PostgreSQL server."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.storage import outbox
from bot.storage.copy import TargetNotEmpty, copy_database
from bot.storage.db import Database, open_database
from bot.storage.settings import write_guild_settings
from tests.databases import fresh_database, postgres_only
from tests.e2e.conftest import T0, Harness, harness
from tests.e2e.party_helpers import create, party, pings, wait_states

pytestmark = postgres_only

STARLIGHT = "lost-in-starlight"


async def fill(e2e: Harness) -> int:
    """What members do in a week: zones, a party with RSVPs, a premiere follow. The party id."""
    for who, zone in (("Ada", "Seoul"), ("Bruno", "America/New_York"), ("Chiara", "London")):
        await e2e.run(who, "timezone set", {"zone": zone})
    made = await create(e2e, "Ada", "in 2 hours")
    await e2e.click(made.card, "Going", "Bruno")
    await e2e.click(made.card, "Maybe", "Chiara")
    reply = await e2e.run("Chiara", "premiere follow", {"film": STARLIGHT})
    assert reply.ephemeral
    return made.id


def on_sqlite(tmp_path: Path) -> dict[str, Path]:
    return {"database": tmp_path / "source.sqlite3"}


@pytest.fixture
async def source(tmp_path: Path) -> AsyncIterator[Database]:
    """An SQLite database the bot wrote (then stopped), open."""
    async with harness(tmp_path, settings=on_sqlite(tmp_path)) as e2e:
        await fill(e2e)
    db = await open_database(tmp_path / "source.sqlite3")
    yield db
    await db.close()


@pytest.fixture
async def target(tmp_path: Path) -> AsyncIterator[Database]:
    """An empty, migrated PostgreSQL database."""
    db = await open_database(fresh_database(tmp_path, "target"), pool_size=2)
    yield db
    await db.close()


async def tables_of(source: Database) -> list[str]:
    rows = await source.fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )
    return sorted(row[0] for row in rows)


async def counts(db: Database, tables: list[str]) -> dict[str, int]:
    return {name: int(await db.fetchval(f"SELECT count(*) FROM {name}")) for name in tables}


async def test_every_table_arrives_with_its_rows(source: Database, target: Database) -> None:
    tables = await tables_of(source)
    before = await counts(source, tables)
    assert before["films"] and before["outbox"] and before["follows"] and before["film_index"]

    result = await copy_database(source, target)

    assert await counts(target, tables) == before
    assert (result.tables, result.rows) == (len(tables), sum(before.values()))


async def test_a_party_keeps_its_id_values_and_rsvps(source: Database, target: Database) -> None:
    party_sql = "SELECT id, host_id, film_id, starts_at, zone FROM parties"
    rsvp_sql = "SELECT party_id, user_id, status FROM rsvps ORDER BY user_id"
    want_party, want_rsvps = await source.fetchone(party_sql), await source.fetchall(rsvp_sql)

    await copy_database(source, target)

    assert dict(await target.fetchone(party_sql)) == dict(want_party)
    got = [dict(r) for r in await target.fetchall(rsvp_sql)]
    assert got == [dict(r) for r in want_rsvps]
    assert sorted(r["status"] for r in got) == ["going", "going", "maybe"]  # the host goes


async def test_a_follow_keeps_its_premiere(source: Database, target: Database) -> None:
    sql = (
        "SELECT p.id, p.film_id, f.user_id, f.release FROM follows f "
        "JOIN premieres p ON p.id = f.premiere_id"
    )
    want = [dict(r) for r in await source.fetchall(sql)]
    assert [r["film_id"] for r in want] == [STARLIGHT]

    await copy_database(source, target)

    assert [dict(r) for r in await target.fetchall(sql)] == want


async def test_a_delivery_being_sent_arrives_pending(source: Database, target: Database) -> None:
    repo = outbox.OutboxRepo(source, "a process that stopped", timedelta(seconds=10))
    [claimed] = await repo.claim_due(T0 + timedelta(days=400), limit=1)
    state_sql = "SELECT state FROM outbox WHERE id = ?"
    assert await source.fetchval(state_sql, (claimed.id,)) == outbox.SENDING

    await copy_database(source, target)

    assert await target.fetchval(state_sql, (claimed.id,)) == outbox.PENDING
    others = "SELECT count(*) FROM outbox WHERE state <> ? OR claimed_by IS NOT NULL"
    assert await target.fetchval(others, (outbox.PENDING,)) == 0


async def test_a_target_with_rows_is_refused_and_left_alone(
    source: Database, target: Database
) -> None:
    async with target.transaction() as conn:
        await write_guild_settings(conn, 42, zone="Asia/Seoul")

    with pytest.raises(TargetNotEmpty) as refused:
        await copy_database(source, target)

    assert refused.value.tables == ["guild_settings"]
    assert [tuple(r) for r in await target.fetchall("SELECT guild_id FROM guild_settings")] == [
        (42,)
    ]
    assert await target.fetchval("SELECT count(*) FROM films") == 0


async def test_force_replaces_the_targets_rows(source: Database, target: Database) -> None:
    async with target.transaction() as conn:
        await write_guild_settings(conn, 42, zone="Asia/Seoul")
        await outbox.add(conn, "party_start", 1, T0)
    tables = await tables_of(source)
    want = await counts(source, tables)

    await copy_database(source, target, force=True)

    assert await counts(target, tables) == want
    assert await target.fetchval("SELECT count(*) FROM guild_settings WHERE guild_id = 42") == 0


async def test_rows_added_after_the_copy_get_fresh_ids(source: Database, target: Database) -> None:
    copied = int(await source.fetchval("SELECT max(id) FROM outbox"))
    last_change = int(await source.fetchval("SELECT max(seq) FROM film_changes"))

    await copy_database(source, target)

    async with target.transaction() as conn:
        fresh = await outbox.add(conn, "party_start", 1, T0)
        change = await conn.fetchval(
            "INSERT INTO film_changes (film_id, at) VALUES (?, ?) RETURNING seq",
            (STARLIGHT, T0.isoformat()),
        )
    assert fresh == copied + 1
    assert change == last_change + 1


async def test_a_pending_reminder_is_sent_by_the_bot_on_postgresql(tmp_path: Path) -> None:
    async with harness(tmp_path, settings=on_sqlite(tmp_path)) as e2e:
        party_id = await fill(e2e)
        start = (await party(e2e, party_id)).starts_at
        await e2e.stop()
        source = await open_database(tmp_path / "source.sqlite3")
        url = fresh_database(tmp_path, "target")
        target = await open_database(url, pool_size=2)
        try:
            await copy_database(source, target)
        finally:
            await source.close()
            await target.close()

        e2e.settings = dataclasses.replace(e2e.settings, database=url)
        await e2e.start()
        assert e2e.bot.db.engine == "postgresql"
        due = start - timedelta(hours=1)
        e2e.clock.set(due - timedelta(seconds=0.5))
        [reminder] = await pings(e2e, 1)

        assert reminder.content.startswith("⏰ Reminder: the **Lost in Starlight** watch party")
        assert f"<@{e2e.server['Bruno']}>" in reminder.content
        states = await wait_states(e2e, party_id, lambda s: s.count("sent") == 1)
        assert states == ["sent", "pending", "pending"]
