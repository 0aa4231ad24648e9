"""Watch-party rows on a real SQLite database: a party for a title no catalogue knows."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.domain import parties as rules
from bot.domain.parties import Party
from bot.storage.db import Database, open_database
from bot.storage.parties import PartyRepo
from tests.databases import fresh_database

NOW = datetime(2025, 5, 20, 12, 0, tzinfo=UTC)
START = NOW + timedelta(days=3)


@pytest.fixture
async def repo(tmp_path: Path) -> AsyncIterator[PartyRepo]:
    db: Database = await open_database(fresh_database(tmp_path, "db.sqlite3"))
    try:
        yield PartyRepo(db)
    finally:
        await db.close()


def titled() -> Party:
    return Party(
        id=0,
        guild_id=1,
        channel_id=2,
        host_id=3,
        film_id="",
        film_title="Our Club's Short Film",
        starts_at=START,
        ends_at=START + rules.ASSUMED_RUNTIME,
        zone_key="UTC",
        note="",
        reminders=(),
    )


async def test_a_typed_title_is_stored_and_read_back(repo: PartyRepo) -> None:
    created = await repo.create(titled(), rules.plan(START, (), NOW), NOW)
    assert created == replace(titled(), id=created.id)


async def test_an_edit_to_a_known_film_clears_the_typed_title(repo: PartyRepo) -> None:
    created = await repo.create(titled(), rules.plan(START, (), NOW), NOW)
    await repo.update(replace(created, film_id="lost-in-starlight", film_title=None), None)
    found = await repo.get(created.id)
    assert found is not None
    assert (found.film_id, found.film_title) == ("lost-in-starlight", None)
