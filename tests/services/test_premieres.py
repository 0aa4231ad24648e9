"""The premiere service on a real database: queries per follow, whom a failed ping tells,
re-plans inside transactions (their own reads, several at once)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.config import DEFAULT_FILMS_DIR
from bot.domain import premieres as rules
from bot.scheduler import Outgoing, Scheduler
from bot.services.premieres import Premieres
from bot.services.settings import Preferences
from bot.storage.db import Database, open_database
from bot.storage.films import sync_films
from bot.storage.filmstore import FilmStore
from bot.storage.outbox import Delivery, from_text
from fakecord.clock import ShiftedClock
from tests.databases import fresh_database, sqlite_only
from tests.e2e.film_helpers import country_release, films_dir, minimal_film
from tests.services.queries import reads_of, statements

NOW = datetime(2025, 5, 20, 12, 0, tzinfo=UTC)
GUILD, FIRST, NEWS, CINEMA = 10, 100, 200, 300
BRUNO, ADMIN, OWNER = 2, 3, 4
REASON = "NotFound: 404 Unknown Channel"


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await open_database(fresh_database(tmp_path, "db.sqlite3"))
    try:
        assert not (await sync_films(database, DEFAULT_FILMS_DIR)).errors
        yield database
    finally:
        await database.close()


async def service(db: Database, owners: dict[int, int] | None = None) -> Premieres:
    """The service, told the server owners in ``owners`` (guild id -> owner id)."""
    clock = ShiftedClock(NOW)

    async def owner_of(guild_id: int) -> int | None:
        return (owners or {}).get(guild_id)

    async def never(*_: Any) -> None:  # this scheduler is never started
        raise AssertionError

    films = await FilmStore.open(db)
    return Premieres(
        db, films, clock, Scheduler(db, clock, never), Preferences(db), owner_of=owner_of
    )


async def follow(premieres: Premieres) -> None:
    film = await premieres.films.get("lost-in-starlight")
    await premieres.follow(guild_id=GUILD, user_id=BRUNO, film=film, dm=False, channel_id=FIRST)


async def queued(db: Database) -> Delivery:
    """The premiere ping the plan queued."""
    row = await db.fetchone(
        "SELECT * FROM outbox WHERE kind = 'premiere' AND state = 'pending' ORDER BY due_at"
    )
    assert row is not None
    data = json.loads(row["data"])
    return Delivery(row["id"], row["kind"], row["ref_id"], from_text(row["due_at"]), 1, data)


def told(notices: list[Outgoing]) -> list[tuple[int | None, int | None]]:
    """(channel, DM user) of each notice, in the order they would be tried."""
    return [(n.channel_id, n.user_id) for n in notices]


@sqlite_only
async def test_following_reads_the_servers_settings_once(db: Database) -> None:
    premieres = await service(db)
    async with statements(db) as seen:
        await follow(premieres)
    assert reads_of("guild_settings", seen) == 1


async def test_in_the_default_set_up_the_servers_owner_is_told_once(db: Database) -> None:
    premieres = await service(db, {GUILD: OWNER})
    await follow(premieres)
    delivery = await queued(db)
    [notice] = await premieres.report_failure(delivery, REASON)
    assert (notice.channel_id, notice.user_id) == (None, OWNER)
    assert f"<#{FIRST}>" in notice.content and "Unknown Channel" in notice.content
    assert await premieres.report_failure(delivery, REASON) == []


async def test_with_nobody_to_tell_the_report_is_kept_for_later(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    premieres = await service(db)  # the owner is unknown (e.g. the bot left the server)
    await follow(premieres)
    delivery = await queued(db)
    with caplog.at_level(logging.WARNING, logger="bot.services.premieres"):
        assert await premieres.report_failure(delivery, REASON) == []
    assert "nobody can be told" in caplog.text
    await premieres.set_guild_settings(GUILD, announce_channel_id=NEWS)
    # Another ping for the first channel fails (one already due is not re-planned to #news).
    assert told(await premieres.report_failure(delivery, REASON)) == [(NEWS, None)]


async def test_the_announce_channel_then_who_chose_the_channel_then_the_owner(
    db: Database,
) -> None:
    premieres = await service(db, {GUILD: OWNER})
    await follow(premieres)
    film = await premieres.films.get("lost-in-starlight")
    await premieres.set_guild_settings(GUILD, announce_channel_id=NEWS)
    await premieres.set_channel(guild_id=GUILD, film=film, channel_id=CINEMA, set_by=ADMIN)
    notices = await premieres.report_failure(await queued(db), REASON)
    assert told(notices) == [(NEWS, None), (None, ADMIN), (None, OWNER)]


async def test_an_owner_who_chose_the_channel_is_told_once(db: Database) -> None:
    premieres = await service(db, {GUILD: OWNER})
    await follow(premieres)
    film = await premieres.films.get("lost-in-starlight")
    await premieres.set_channel(guild_id=GUILD, film=film, channel_id=CINEMA, set_by=OWNER)
    notices = await premieres.report_failure(await queued(db), REASON)
    assert told(notices) == [(None, OWNER)]


# --- a film that changes in the store -----------------------------------------------------------

FILM = "country-test"
KR_ONLY = minimal_film(FILM, "Country Test") + country_release("theatrical", "KR", "2025-05-28")
WITH_GB = KR_ONLY + country_release("theatrical", "GB", "2025-05-30")
GB_MIDNIGHT = datetime(2025, 5, 29, 23, 0, tzinfo=UTC)  # 00:00 BST on the 30th


@pytest.fixture
async def changing(tmp_path: Path) -> AsyncIterator[tuple[Database, Path]]:
    """A database whose one film can be rewritten; its store reads the file on every get."""
    folder = films_dir(tmp_path, (FILM, KR_ONLY), seed=False)
    database = await open_database(fresh_database(tmp_path, "changing.sqlite3"))
    try:
        assert not (await sync_films(database, folder)).errors
        yield database, folder
    finally:
        await database.close()


async def uncached(db: Database) -> Premieres:
    clock = ShiftedClock(NOW)

    async def never(*_: Any) -> None:
        raise AssertionError

    films = await FilmStore.open(db, cache_size=0)  # a rewritten film is what get() returns
    return Premieres(db, films, clock, Scheduler(db, clock, never), Preferences(db))


async def rewrite(db: Database, folder: Path, text: str) -> None:
    (folder / f"{FILM}.toml").write_text(text, encoding="utf-8")
    assert not (await sync_films(db, folder)).errors


async def pending(db: Database) -> list[tuple[str, list]]:
    rows = await db.fetchall(
        "SELECT due_at, data FROM outbox WHERE state = 'pending' ORDER BY due_at"
    )
    return [(r["due_at"], json.loads(r["data"])["lines"]) for r in rows]


async def test_a_follower_without_a_date_is_planned_once_the_film_gains_one(
    changing: tuple[Database, Path],
) -> None:
    db, folder = changing
    premieres = await uncached(db)
    await premieres.set_member_zone(BRUNO, "Europe/London", GUILD)
    film = await premieres.films.get(FILM)
    followed = await premieres.follow(
        guild_id=GUILD, user_id=BRUNO, film=film, dm=False, channel_id=FIRST
    )
    assert followed.release is None and followed.applicable.country == "GB"
    assert await pending(db) == []

    await rewrite(db, folder, WITH_GB)
    assert await premieres.film_changed(FILM) == 1
    [(due, lines)] = await pending(db)
    assert from_text(due) == GB_MIDNIGHT
    assert lines[0][0] == "Europe/London" and lines[0][2] == [BRUNO]


async def test_a_moved_date_replaces_the_planned_ping(changing: tuple[Database, Path]) -> None:
    db, folder = changing
    premieres = await uncached(db)
    await premieres.set_member_zone(BRUNO, "Asia/Seoul", GUILD)
    film = await premieres.films.get(FILM)
    await premieres.follow(guild_id=GUILD, user_id=BRUNO, film=film, dm=False, channel_id=FIRST)
    [(before, _)] = await pending(db)
    assert await premieres.film_changed(FILM) == 0  # the same dates: nothing to re-plan

    await rewrite(db, folder, KR_ONLY.replace("2025-05-28", "2025-06-04"))
    assert await premieres.film_changed(FILM) == 1
    [(after, _)] = await pending(db)
    assert from_text(after) - from_text(before) == timedelta(days=7)


# --- transactions: what each re-plan reads, and two re-plans at once ----------------------------


async def pending_pings(db: Database) -> list[tuple[int | None, set[int]]]:
    """(channel, members) of each pending premiere ping."""
    rows = await db.fetchall(
        "SELECT data FROM outbox WHERE state = 'pending' AND kind = 'premiere'"
    )
    found = []
    for row in rows:
        channel, _, lines = rules.from_data(json.loads(row["data"]))
        found.append((channel, {uid for line in lines for uid in line.user_ids}))
    return found


async def test_more_follows_at_once_than_connections_make_one_plan(db: Database) -> None:
    premieres = await service(db)  # on PostgreSQL: a pool of 10 connections
    film = await premieres.films.get("lost-in-starlight")
    members = set(range(1000, 1012))
    await asyncio.gather(
        *(
            premieres.follow(guild_id=GUILD, user_id=u, film=film, dm=False, channel_id=FIRST)
            for u in members
        )
    )
    assert await pending_pings(db) == [(FIRST, members)]


async def test_a_new_announce_channel_re_plans_to_it(db: Database) -> None:
    premieres = await service(db)
    await follow(premieres)
    await premieres.set_guild_settings(GUILD, announce_channel_id=NEWS)
    assert await pending_pings(db) == [(NEWS, {BRUNO})]


async def test_two_processes_re_planning_one_film_leave_one_plan_each(
    tmp_path: Path, changing: tuple[Database, Path]
) -> None:
    db, folder = changing
    premieres = await uncached(db)
    await premieres.set_member_zone(BRUNO, "Europe/London", GUILD)
    film = await premieres.films.get(FILM)
    guilds = range(GUILD, GUILD + 4)  # several premieres: the two re-plans overlap for sure
    for guild_id in guilds:
        await premieres.follow(
            guild_id=guild_id, user_id=BRUNO, film=film, dm=False, channel_id=guild_id
        )
    await rewrite(db, folder, WITH_GB)  # Bruno's country gains a date: both processes re-plan
    other = await open_database(fresh_database(tmp_path, "changing.sqlite3"))
    try:
        await asyncio.gather(
            premieres.film_changed(FILM), (await uncached(other)).film_changed(FILM)
        )
    finally:
        await other.close()
    assert sorted(await pending_pings(db)) == [(g, {BRUNO}) for g in guilds]
