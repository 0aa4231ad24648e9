"""Members' and servers' settings through the real service on a fresh SQLite database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import available_timezones

import pytest

from bot.domain import zones
from bot.services.settings import MAX_TABLE_ZONES, MemberZone, Preferences
from bot.storage import settings as store
from bot.storage.db import Database, open_database
from tests.databases import fresh_database, sqlite_only
from tests.services.queries import reads_of, statements

NOW = datetime(2025, 5, 20, 12, 0, tzinfo=UTC)
GUILD, OTHER_GUILD = 10, 20
ADA, BRUNO = 1, 2


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await open_database(fresh_database(tmp_path, "db.sqlite3"))
    try:
        yield database
    finally:
        await database.close()


async def register(db: Database, user_id: int, zone: str, guild_id: int = GUILD) -> None:
    async with db.transaction() as conn:
        await store.write_user_zone(conn, user_id, zone, guild_id, NOW)


async def set_server_zone(db: Database, zone: str, guild_id: int = GUILD) -> None:
    async with db.transaction() as conn:
        await store.write_guild_settings(conn, guild_id, zone=zone)


async def test_a_members_own_zone_comes_first(db: Database) -> None:
    await register(db, ADA, "Asia/Seoul")
    await set_server_zone(db, "Europe/London")
    zone = await Preferences(db).zone(ADA, GUILD)
    assert zone == MemberZone("Asia/Seoul", None)  # the server's is not even read
    assert zone.key == "Asia/Seoul" and not zone.from_server


@sqlite_only
async def test_a_member_with_a_zone_costs_one_query(db: Database) -> None:
    await register(db, ADA, "Asia/Seoul")
    await set_server_zone(db, "Europe/London")
    async with statements(db) as seen:
        await Preferences(db).zone(ADA, GUILD)
    assert len(seen) == 1 and reads_of("user_zones", seen) == 1


async def test_the_servers_zone_stands_in_for_a_member_without_one(db: Database) -> None:
    await set_server_zone(db, "Europe/London")
    zone = await Preferences(db).zone(BRUNO, GUILD)
    assert zone.key == "Europe/London" and zone.from_server


async def test_outside_a_server_only_the_members_zone_counts(db: Database) -> None:
    await set_server_zone(db, "Europe/London")
    assert await Preferences(db).zone(BRUNO, None) == MemberZone(None, None)


async def test_the_table_lists_the_servers_zones_most_common_first(db: Database) -> None:
    await register(db, ADA, "Asia/Seoul")
    await register(db, BRUNO, "Asia/Seoul")
    await register(db, 3, "Europe/London")
    await register(db, 4, "Asia/Tokyo", guild_id=OTHER_GUILD)  # another server's member
    table = await Preferences(db).table_zones(GUILD)
    assert table.keys == ("Asia/Seoul", "Europe/London") and table.from_server


async def test_the_table_shows_at_most_fifteen_zones(db: Database) -> None:
    many = sorted(z for z in available_timezones() if z.startswith("America/"))
    for user_id, zone in enumerate(many[: MAX_TABLE_ZONES + 5], 1):
        await register(db, user_id, zone)
    table = await Preferences(db).table_zones(GUILD)
    assert len(table.keys) == MAX_TABLE_ZONES


async def test_without_registered_zones_the_table_shows_the_major_zones(db: Database) -> None:
    for guild_id in (GUILD, None):
        table = await Preferences(db).table_zones(guild_id)
        assert table.keys == zones.DEFAULT_ZONES and not table.from_server
