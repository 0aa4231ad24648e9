"""The watch-party service on a real database: parties for a title no catalogue knows."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.config import DEFAULT_FILMS_DIR
from bot.domain import parties as rules
from bot.domain import zones
from bot.errors import BadOption
from bot.scheduler import Scheduler
from bot.services.settings import Preferences
from bot.services.watchparty import PartyChanged, PartyNotFound, WatchParties
from bot.storage.db import open_database
from bot.storage.films import sync_films
from bot.storage.filmstore import FilmStore
from fakecord.clock import ShiftedClock
from tests.databases import fresh_database

NOW = datetime(2025, 5, 20, 12, 0, tzinfo=UTC)
START = datetime(2025, 5, 23, 20, 30, tzinfo=UTC)  # "2025-05-23 20:30" in UTC
FILM = "lost-in-starlight"  # runs 96 minutes
TITLE = "Our Club's Short Film"
GUILD, HOST, CHANNEL = 10, 1, 100


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[WatchParties]:
    db = await open_database(fresh_database(tmp_path, "db.sqlite3"))
    try:
        assert not (await sync_films(db, DEFAULT_FILMS_DIR)).errors
        clock = ShiftedClock(NOW)

        async def never(*_: Any) -> None:  # this scheduler is never started
            raise AssertionError

        films = await FilmStore.open(db)
        yield WatchParties(db, films, clock, Scheduler(db, clock, never), Preferences(db))
    finally:
        await db.close()


async def create(service: WatchParties, film: Any, when: str = "2025-05-23 20:30") -> Any:
    return await service.create(
        guild_id=GUILD,
        host_id=HOST,
        channel_id=CHANNEL,
        film=film,
        when=when,
        zone=zones.resolve_zone("UTC"),
    )


async def test_a_typed_title_makes_a_party_that_ends_two_hours_later(
    service: WatchParties,
) -> None:
    made = await create(service, f"  {TITLE} ")
    assert made.title == TITLE
    stored = await service.get(made.party.id, GUILD)
    assert (stored.film_id, stored.film_title) == ("", TITLE)
    assert stored.ends_at == START + rules.ASSUMED_RUNTIME
    assert await service.film_title(stored) == TITLE


async def test_premiere_for_a_typed_title_is_refused_and_nothing_is_stored(
    service: WatchParties,
) -> None:
    with pytest.raises(BadOption, match="I have no details for Our Club's Short Film"):
        await create(service, TITLE, when="premiere")
    assert await service.upcoming(GUILD) == []


async def test_a_typed_title_echoed_in_an_error_is_inert(service: WatchParties) -> None:
    with pytest.raises(BadOption) as refused:
        await create(service, "@everyone [x](http://y)", when="premiere")
    assert "@\u200beveryone \\[x](http://y)" in str(refused.value)


async def test_an_edit_to_a_known_film_and_back_to_a_title(service: WatchParties) -> None:
    made = await create(service, TITLE)
    film = await service.films.get(FILM)
    known = await service.edit(made.party, editor_id=HOST, film=film)
    assert (known.party.film_id, known.party.film_title) == (FILM, None)
    assert known.party.ends_at == START + timedelta(minutes=96)
    back = await service.edit(known.party, editor_id=HOST, film="Festival Cut")
    stored = await service.get(made.party.id, GUILD)
    assert back.party == stored
    assert (stored.film_id, stored.film_title) == ("", "Festival Cut")
    assert stored.ends_at == START + rules.ASSUMED_RUNTIME


async def test_an_edit_of_the_time_keeps_the_typed_title(service: WatchParties) -> None:
    made = await create(service, TITLE)
    moved = await service.edit(made.party, editor_id=HOST, when="2025-05-24 20:30")
    assert (moved.party.film_id, moved.party.film_title) == ("", TITLE)
    assert moved.party.ends_at == START + timedelta(days=1) + rules.ASSUMED_RUNTIME


async def test_upcoming_lists_a_typed_title_by_its_title(service: WatchParties) -> None:
    made = await create(service, TITLE)
    assert await service.upcoming(GUILD) == [(made.party, TITLE)]


async def notices(service: WatchParties, party_id: int) -> int:
    return int(
        await service.db.fetchval(
            "SELECT COUNT(*) FROM outbox WHERE kind = 'party_changed' AND ref_id = ?", (party_id,)
        )
    )


async def test_an_edit_from_a_copy_someone_changed_since_is_refused(service: WatchParties) -> None:
    made = (await create(service, TITLE)).party
    await service.edit(made, when="2025-05-23 21:00", editor_id=HOST, zone=None)
    with pytest.raises(PartyChanged, match="was changed a moment ago"):
        await service.edit(made, note="bring snacks", editor_id=HOST)  # from the old copy
    now = await service.repo.get(made.id)
    assert now is not None and now.note == "" and now.starts_at == START + timedelta(minutes=30)


async def test_a_second_cancel_from_the_same_copy_is_refused_and_tells_no_one_again(
    service: WatchParties,
) -> None:
    made = (await create(service, TITLE)).party
    await service.repo.set_rsvp(made.id, 2, rules.GOING, NOW)
    await service.cancel(made, by=HOST)
    with pytest.raises(PartyNotFound, match="was cancelled"):
        await service.cancel(made, by=HOST)
    assert await notices(service, made.id) == 1
