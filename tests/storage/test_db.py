import sqlite3
from datetime import timedelta

import pytest

from bot.storage import db as db_module
from bot.storage import hearing
from bot.storage.db import SchemaTooNew, open_database
from bot.storage.migrations import MIGRATIONS
from bot.storage.parties import PartyRepo
from bot.storage.series import SeriesRepo
from tests.databases import fresh_database, sqlite_only


@sqlite_only
async def test_fresh_database_is_migrated_to_latest(tmp_path):
    db = await open_database(tmp_path / "sub" / "db.sqlite3")
    try:
        assert await db.schema_version() == len(MIGRATIONS)
        row = await db.fetchone("PRAGMA journal_mode")
        assert row[0] == "wal"
        row = await db.fetchone("PRAGMA foreign_keys")
        assert row[0] == 1
    finally:
        await db.close()


@sqlite_only
async def test_older_database_is_migrated(tmp_path):
    path = tmp_path / "db.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript(MIGRATIONS[0])
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO guild_settings (guild_id, zone) VALUES (1, 'Asia/Seoul')")
    conn.commit()
    conn.close()
    db = await open_database(path)
    try:
        assert await db.schema_version() == len(MIGRATIONS)
        row = await db.fetchone("SELECT zone FROM guild_settings WHERE guild_id = 1")
        assert row["zone"] == "Asia/Seoul"
    finally:
        await db.close()


@sqlite_only
async def test_newer_database_is_refused_with_clear_error(tmp_path):
    path = tmp_path / "db.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    conn.commit()
    conn.close()
    with pytest.raises(SchemaTooNew, match="newer|only knows"):
        await open_database(path)


async def test_failed_transaction_rolls_back(tmp_path):
    db = await open_database(fresh_database(tmp_path))
    try:
        with pytest.raises(RuntimeError):
            async with db.transaction() as conn:
                await conn.execute("INSERT INTO guild_settings (guild_id) VALUES (7)")
                raise RuntimeError("boom")
        assert await db.fetchone("SELECT * FROM guild_settings WHERE guild_id = 7") is None
    finally:
        await db.close()


@sqlite_only
async def test_a_database_of_the_previous_release_keeps_its_follows(tmp_path):
    """From version 6 (before films were stored in the database) to now: existing follows read
    as "whichever comes first", in the zone's country."""
    path = tmp_path / "db.sqlite3"
    conn = sqlite3.connect(path)
    for script in MIGRATIONS[:6]:
        conn.executescript(script)
    conn.execute("PRAGMA user_version = 6")
    conn.execute(
        "INSERT INTO premieres (id, guild_id, film_id, first_channel_id) VALUES (1, 1, 'f', 2)"
    )
    conn.execute("INSERT INTO follows (premiere_id, user_id, created_at) VALUES (1, 3, 'x')")
    conn.execute("INSERT INTO user_prefs (user_id) VALUES (3)")
    conn.commit()
    conn.close()
    db = await open_database(path)
    try:
        assert await db.schema_version() == len(MIGRATIONS)
        row = await db.fetchone("SELECT release FROM follows WHERE user_id = 3")
        assert row["release"] is None
        row = await db.fetchone("SELECT country FROM user_prefs WHERE user_id = 3")
        assert row["country"] is None
    finally:
        await db.close()


@sqlite_only
async def test_parties_from_before_typed_titles_read_as_known_films(tmp_path):
    # found by content, not number: migrations from parallel work are ordered at merge time
    before = next(i for i, script in enumerate(MIGRATIONS) if "film_title" in script)
    path = tmp_path / "db.sqlite3"
    conn = sqlite3.connect(path)
    for script in MIGRATIONS[:before]:
        conn.executescript(script)
    conn.execute(f"PRAGMA user_version = {before}")
    conn.execute(
        "INSERT INTO parties (id, guild_id, channel_id, host_id, film_id, starts_at, zone, "
        "created_at) VALUES (1, 1, 2, 3, 'lost-in-starlight', '2025-05-30T12:00:00+00:00', "
        "'UTC', '2025-05-20T12:00:00+00:00')"
    )
    conn.commit()
    conn.close()
    db = await open_database(path)
    try:
        party = await PartyRepo(db).get(1)
        assert party is not None
        assert (party.film_id, party.film_title) == ("lost-in-starlight", None)
    finally:
        await db.close()


@sqlite_only
async def test_members_and_answers_from_before_reminder_choices_hear_as_before(tmp_path):
    """Members of an older database follow each party's lead times and have chosen nothing."""
    # found by content, not number: migrations from parallel work are ordered at merge time
    before = next(i for i, script in enumerate(MIGRATIONS) if "reminder_choices" in script)
    path = tmp_path / "db.sqlite3"
    conn = sqlite3.connect(path)
    for script in MIGRATIONS[:before]:
        conn.executescript(script)
    conn.execute(f"PRAGMA user_version = {before}")
    conn.execute("INSERT INTO user_prefs (user_id, dm_pings) VALUES (3, 1)")
    conn.execute(
        "INSERT INTO parties (id, guild_id, channel_id, host_id, film_id, starts_at, zone, "
        "created_at) VALUES (1, 1, 2, 3, 'lost-in-starlight', '2025-05-30T12:00:00+00:00', "
        "'UTC', '2025-05-20T12:00:00+00:00')"
    )
    conn.execute("INSERT INTO rsvps VALUES (1, 3, 'going', '2025-05-20T12:00:00+00:00')")
    conn.commit()
    conn.close()
    db = await open_database(path)
    try:
        [listener] = await hearing.listeners(db, 1)
        assert (listener.choice, listener.own_leads, listener.by_dm) == (None, None, True)
    finally:
        await db.close()


async def database_at(target, version, monkeypatch):
    """A database migrated only up to ``version``, as an older bot left it (either engine)."""
    with monkeypatch.context() as patch:
        patch.setattr(db_module, "MIGRATIONS", MIGRATIONS[:version])
        return await open_database(target)


async def test_an_upgrade_to_seats_keeps_answers_choices_series_and_votes(tmp_path, monkeypatch):
    # found by content, not number: migrations from parallel work are ordered at merge time
    before = next(i for i, script in enumerate(MIGRATIONS) if "rsvps_seats" in script)
    target = fresh_database(tmp_path)
    old = await database_at(target, before, monkeypatch)
    try:
        for sql in (
            "INSERT INTO user_prefs (user_id, dm_pings, reminder_leads) VALUES (4, 1, '3600')",
            "INSERT INTO series (id, guild_id, host_id, channel_id, film_id, repeat, anchor, "
            "zone, created_at) VALUES (7, 1, 3, 2, 'lost-in-starlight', 'weekly', "
            "'2025-05-30T12:00:00', 'UTC', '2025-05-20T12:00:00+00:00')",
            "INSERT INTO parties (id, guild_id, channel_id, host_id, film_id, starts_at, zone, "
            "created_at, series_id, series_wall) VALUES (1, 1, 2, 3, 'lost-in-starlight', "
            "'2025-05-30T12:00:00+00:00', 'UTC', '2025-05-20T12:00:00+00:00', 7, "
            "'2025-05-30T12:00:00')",
            "INSERT INTO rsvps VALUES (1, 3, 'going', '2025-05-20T12:00:00.000+00:00'), "
            "(1, 4, 'maybe', '2025-05-20T12:01:00.000+00:00')",
            "INSERT INTO reminder_choices VALUES (1, 4, 1)",
            "INSERT INTO votes (id, party_id, guild_id, channel_id, opened_by, closes_at, "
            "choices, created_at) VALUES (5, 1, 1, 2, 3, '2025-05-29T12:00:00+00:00', '[]', "
            "'2025-05-20T12:00:00+00:00')",
            "INSERT INTO ballots VALUES (5, 4, 0, '2025-05-20T12:02:00+00:00')",
        ):
            await old.execute(sql)
    finally:
        await old.close()
    db = await open_database(target)
    try:
        assert await db.schema_version() == len(MIGRATIONS)
        repo = PartyRepo(db)
        assert await repo.rsvps(1) == {3: "going", 4: "maybe"}  # in the order given
        party = await repo.get(1)
        assert party is not None and party.series is not None and party.series.series_id == 7
        assert (party.capacity, party.role_id, party.thread_id) == (None, None, None)
        [host, maybe] = sorted(await hearing.listeners(db, 1), key=lambda m: m.user_id)
        assert (host.status, maybe.status, maybe.choice, maybe.by_dm) == (
            "going",
            "maybe",
            True,
            True,
        )
        assert maybe.own_leads == (timedelta(hours=1),)
        series = await SeriesRepo(db).get(7)
        assert series is not None
        assert (series.capacity, series.role_id, series.thread) == (None, None, False)
        assert await db.fetchval("SELECT choice FROM ballots WHERE vote_id = 5") == 0
        # the rebuilt table takes the new status, and still belongs to its party
        await repo.set_rsvp(1, 5, "waiting", party.starts_at)
        assert (await repo.rsvps(1))[5] == "waiting"
        async with db.transaction() as tx:
            for table in ("ballots", "votes"):
                await tx.execute(f"DELETE FROM {table}")
            await tx.execute("DELETE FROM parties WHERE id = 1")
        assert await repo.rsvps(1) == {}
        assert await db.fetchval("SELECT COUNT(*) FROM reminder_choices") == 0
    finally:
        await db.close()


async def test_maybe_answers_from_before_reminder_choices_keep_their_reminders(tmp_path):
    """Before reminder choices, Maybe members were reminded: upgrading keeps that for the
    parties still active (it is a choice they can turn off), and adds nothing elsewhere."""
    before = next(i for i, script in enumerate(MIGRATIONS) if "reminder_choices" in script)
    path = tmp_path / "db.sqlite3"
    conn = sqlite3.connect(path)
    for script in MIGRATIONS[:before]:
        conn.executescript(script)
    conn.execute(f"PRAGMA user_version = {before}")
    for party_id, status in ((1, "active"), (2, "cancelled")):
        conn.execute(
            "INSERT INTO parties (id, guild_id, channel_id, host_id, film_id, starts_at, zone, "
            "created_at, status) VALUES (?, 1, 2, 3, 'lost-in-starlight', "
            "'2025-05-30T12:00:00+00:00', 'UTC', '2025-05-20T12:00:00+00:00', ?)",
            (party_id, status),
        )
        for user_id, answer in ((3, "going"), (4, "maybe"), (5, "no")):
            conn.execute(
                "INSERT INTO rsvps VALUES (?, ?, ?, '2025-05-20T12:00:00+00:00')",
                (party_id, user_id, answer),
            )
    conn.commit()
    conn.close()
    db = await open_database(path)
    try:
        rows = await db.fetchall("SELECT party_id, user_id, wanted FROM reminder_choices")
        assert [tuple(r) for r in rows] == [(1, 4, 1)]
    finally:
        await db.close()


async def test_a_partys_outbox_rows_in_any_state_and_a_members_answers_are_indexed(tmp_path):
    """A re-plan reads a party's reminder rows in every state, and a member's answered parties:
    neither may scan its whole table."""
    db = await open_database(fresh_database(tmp_path))
    try:
        if db.engine == "sqlite":
            rows = await db.fetchall(
                "SELECT tbl_name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            )
        else:
            rows = await db.fetchall(
                "SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
            )
        indexes = [(table, sql.replace('"', "")) for table, sql in (tuple(r) for r in rows)]

        def whole(table: str, columns: str) -> bool:
            return any(
                t == table and f"({columns})" in sql and "WHERE" not in sql.upper()
                for t, sql in indexes
            )

        assert whole("outbox", "ref_id, kind")
        assert whole("rsvps", "user_id")
    finally:
        await db.close()
