"""The watch-party service on a real database: parties for a title no catalogue knows."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.config import DEFAULT_FILMS_DIR
from bot.domain import parties as rules
from bot.domain import seats as seat_rules
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


async def seated_party(service: WatchParties) -> Any:
    """A party with a role ping and one seat (the host's); members 2 and 3 wait in line."""
    made = await service.create(
        guild_id=GUILD,
        host_id=HOST,
        channel_id=CHANNEL,
        film=TITLE,
        when="2025-05-23 20:30",
        zone=zones.resolve_zone("UTC"),
        capacity=1,
        role_id=555,
    )
    for member in (2, 3):
        await service.rsvp(made.party.id, member, rules.GOING)
    return made.party


async def test_removing_the_seat_limit_seats_the_line_in_order_in_the_edit(
    service: WatchParties,
) -> None:
    made = await seated_party(service)
    done = await service.edit(made, editor_id=HOST, remove=seat_rules.SEAT_LIMIT)
    assert done.party.capacity is None and done.party.role_id == 555
    assert "2 member(s) from the waitlist got a seat" in done.notes[-1]
    assert await service.repo.rsvps(made.id) == {HOST: "going", 2: "going", 3: "going"}
    rows = await service.db.fetchall(
        "SELECT data FROM outbox WHERE kind = ? AND ref_id = ?", (seat_rules.PROMOTED, made.id)
    )
    assert [json.loads(r["data"])["users"] for r in rows] == [[2, 3]]


async def test_an_edit_from_a_copy_made_before_a_removal_is_refused(
    service: WatchParties,
) -> None:
    made = await seated_party(service)
    await service.edit(made, editor_id=HOST, remove=seat_rules.ROLE_PING)
    # A second manager who read the party before: their removal (or any edit) loses.
    with pytest.raises(PartyChanged, match="was changed a moment ago"):
        await service.edit(made, editor_id=HOST, remove=seat_rules.ROLE_PING)
    with pytest.raises(PartyChanged):
        await service.edit(made, editor_id=HOST, note="bring snacks")
    stored = await service.repo.get(made.id)
    assert stored is not None and stored.role_id is None and stored.note == ""
    # Read again, the role is gone: nothing to remove, and nothing changes.
    with pytest.raises(BadOption, match="pings no role"):
        await service.edit(stored, editor_id=HOST, remove=seat_rules.ROLE_PING)
    assert await service.repo.get(made.id) == stored


async def test_removing_and_setting_the_same_thing_at_once_is_refused(
    service: WatchParties,
) -> None:
    made = await seated_party(service)
    with pytest.raises(BadOption, match="not both"):
        await service.edit(made, editor_id=HOST, remove=seat_rules.ROLE_PING, role_id=777)
    with pytest.raises(BadOption, match="not both"):
        await service.edit(made, editor_id=HOST, remove=seat_rules.SEAT_LIMIT, capacity=4)
    assert await service.repo.get(made.id) == made
