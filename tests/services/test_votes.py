"""The votes service on a real database (both engines): ballots around the deadline, a close
repeated after a crash, one open vote per party."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.config import DEFAULT_FILMS_DIR
from bot.domain import zones
from bot.domain.parties import Party
from bot.errors import BadOption, BadTime
from bot.scheduler import Scheduler
from bot.services.settings import Preferences
from bot.services.votes import VoteClosed, Votes
from bot.services.watchparty import WatchParties
from bot.storage.db import open_database
from bot.storage.films import sync_films
from bot.storage.filmstore import FilmStore
from bot.storage.outbox import Delivery, from_text, to_text
from fakecord.clock import ShiftedClock
from tests.databases import fresh_database

NOW = datetime(2025, 5, 20, 12, 0, tzinfo=UTC)
CLOSES = datetime(2025, 5, 22, 20, 0, tzinfo=UTC)  # "2025-05-22 20:00" in UTC
FILM = "lost-in-starlight"
BRUNO, CHIARA = 2, 3


@dataclass
class World:
    votes: Votes
    parties: WatchParties
    clock: ShiftedClock
    party: Party


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    db = await open_database(fresh_database(tmp_path, "db.sqlite3"))
    try:
        assert not (await sync_films(db, DEFAULT_FILMS_DIR)).errors
        clock = ShiftedClock(NOW)

        async def never(*_: Any) -> None:  # this scheduler is never started
            raise AssertionError

        scheduler = Scheduler(db, clock, never)
        films = await FilmStore.open(db)
        parties = WatchParties(db, films, clock, scheduler, Preferences(db))
        made = await parties.create(
            guild_id=10,
            host_id=1,
            channel_id=100,
            film=await films.get(FILM),
            when="2025-05-23 20:30",
            zone=zones.resolve_zone("UTC"),
        )
        yield World(Votes(db, clock, scheduler, parties), parties, clock, made.party)
    finally:
        await db.close()


async def open_vote(world: World, *films: str) -> int:
    vote, _ = await world.votes.open(
        world.party,
        films=list(films or ("Paprika", "Perfect Blue")),
        closes="2025-05-22 20:00 UTC",
        user_id=1,
    )
    return vote.id


def close_of(vote_id: int) -> Delivery:
    return Delivery(id=1, kind="vote_close", ref_id=vote_id, due_at=CLOSES, attempts=1)


async def test_a_ballot_after_the_deadline_is_refused_before_the_close_runs(world: World) -> None:
    vote_id = await open_vote(world)
    world.clock.set(CLOSES)
    with pytest.raises(VoteClosed, match="closed"):
        await world.votes.cast(vote_id, BRUNO, 0)


async def test_a_ballot_after_the_close_names_the_winner(world: World) -> None:
    vote_id = await open_vote(world)
    await world.votes.cast(vote_id, BRUNO, 1)
    world.clock.set(CLOSES)
    await world.votes.build_close(close_of(vote_id), late=False)
    with pytest.raises(VoteClosed, match=r"\*\*Perfect Blue\*\* won"):
        await world.votes.cast(vote_id, CHIARA, 0)


async def test_a_close_repeated_after_a_crash_tells_the_same_result(world: World) -> None:
    vote_id = await open_vote(world)
    await world.votes.cast(vote_id, BRUNO, 1)
    world.clock.set(CLOSES)
    first = await world.votes.build_close(close_of(vote_id), late=False)
    again = await world.votes.build_close(close_of(vote_id), late=False)
    assert first == again and len(first) == 1 and first[0].mention_ids == (BRUNO,)
    party = await world.parties.get(world.party.id, 10)
    assert party.film_title == "Perfect Blue"


async def test_a_second_open_vote_is_refused(world: World) -> None:
    await open_vote(world)
    with pytest.raises(BadOption, match="already has a vote open"):
        await open_vote(world, "Akira", "Paprika")


async def test_a_vote_on_a_party_cancelled_since_closes_without_changing_it(world: World) -> None:
    vote_id = await open_vote(world)
    await world.votes.cast(vote_id, BRUNO, 1)
    await world.parties.cancel(world.party)
    world.clock.set(CLOSES + timedelta(minutes=1))
    assert await world.votes.build_close(close_of(vote_id), late=True) == []
    party = await world.parties.get(world.party.id, 10)
    assert party.film_id == FILM and party.cancelled


async def pending(world: World, kind: str, ref_id: int) -> list[str]:
    """Due times of the pending outbox rows of ``kind`` for ``ref_id``."""
    rows = await world.parties.db.fetchall(
        "SELECT due_at FROM outbox WHERE kind = ? AND ref_id = ? AND state = 'pending'",
        (kind, ref_id),
    )
    return [r["due_at"] for r in rows]


async def test_a_party_moved_before_the_deadline_closes_its_vote_a_minute_before_it_starts(
    world: World,
) -> None:
    vote_id = await open_vote(world)
    await world.votes.cast(vote_id, BRUNO, 1)
    moved = await world.parties.edit(
        world.party, when="2025-05-22 18:00", zone=zones.resolve_zone("UTC"), editor_id=1
    )
    deadline = moved.party.starts_at - timedelta(minutes=1)
    vote = await world.votes.repo.get(vote_id)
    assert vote is not None and vote.open and vote.closes_at == deadline
    assert await pending(world, "vote_close", vote_id) == [to_text(deadline)]
    [show] = await pending(world, "vote_show", vote_id)  # the message follows, at once
    assert from_text(show) <= world.clock.now()
    world.clock.set(deadline)
    with pytest.raises(VoteClosed, match="closed"):
        await world.votes.cast(vote_id, CHIARA, 0)  # no ballot once the deadline is there


async def test_a_party_moved_to_within_a_minute_closes_its_vote_at_once(world: World) -> None:
    vote_id = await open_vote(world)
    await world.votes.cast(vote_id, BRUNO, 1)
    world.clock.set(datetime(2025, 5, 21, 17, 59, 30, tzinfo=UTC))
    before = world.clock.now() - timedelta(milliseconds=1)  # stored to the millisecond
    await world.parties.edit(
        world.party, when="2025-05-21 18:00", zone=zones.resolve_zone("UTC"), editor_id=1
    )
    vote = await world.votes.repo.get(vote_id)
    assert vote is not None and before <= vote.closes_at <= world.clock.now()  # now
    assert await pending(world, "vote_close", vote_id) == [to_text(vote.closes_at)]
    # The close shows the result; an update built beside it might land after it.
    assert await pending(world, "vote_show", vote_id) == []
    with pytest.raises(VoteClosed, match="closed"):
        await world.votes.cast(vote_id, CHIARA, 0)


async def test_a_party_moved_earlier_but_still_after_the_deadline_keeps_it(world: World) -> None:
    vote_id = await open_vote(world)
    await world.parties.edit(
        world.party, when="2025-05-22 20:01", zone=zones.resolve_zone("UTC"), editor_id=1
    )
    vote = await world.votes.repo.get(vote_id)
    assert vote is not None and vote.closes_at == CLOSES  # exactly a minute before: fine
    assert await pending(world, "vote_close", vote_id) == [to_text(CLOSES)]
    assert await pending(world, "vote_show", vote_id) == []


async def test_a_deadline_after_a_minute_before_the_start_is_refused_with_the_latest(
    world: World,
) -> None:
    with pytest.raises(BadTime) as refused:
        await world.votes.open(
            world.party, films=["Paprika", "Akira"], closes="2025-05-23 20:30 UTC", user_id=1
        )
    latest = world.party.starts_at - timedelta(minutes=1)
    assert "**8:29 PM Friday, 23 May 2025** (UTC) at the latest" in str(refused.value)
    assert f"<t:{int(latest.timestamp())}:F>" in str(refused.value)
    assert await world.votes.repo.open_for(world.party.id) is None
    vote, _ = await world.votes.open(
        world.party, films=["Paprika", "Akira"], closes="2025-05-23 20:29 UTC", user_id=1
    )
    assert vote.closes_at == latest


async def test_the_latest_deadline_is_told_on_the_clock_the_deadline_was_written_in(
    world: World,
) -> None:
    with pytest.raises(BadTime) as refused:
        await world.votes.open(
            world.party, films=["Paprika", "Akira"], closes="2025-05-24 05:30 Seoul", user_id=1
        )
    assert "**5:29 AM Saturday, 24 May 2025** (Asia/Seoul) at the latest" in str(refused.value)


async def test_a_party_moved_later_keeps_its_votes_deadline(world: World) -> None:
    vote_id = await open_vote(world)
    await world.parties.edit(
        world.party, when="2025-05-24 20:30", zone=zones.resolve_zone("UTC"), editor_id=1
    )
    vote = await world.votes.repo.get(vote_id)
    assert vote is not None and vote.closes_at == CLOSES
    assert await pending(world, "vote_close", vote_id) == [to_text(CLOSES)]
    assert await pending(world, "vote_show", vote_id) == []


async def test_a_cancelled_partys_vote_is_called_off_with_its_close(world: World) -> None:
    vote_id = await open_vote(world)
    await world.parties.cancel(world.party)
    vote = await world.votes.repo.get(vote_id)
    assert vote is not None and vote.status == "cancelled"
    assert await pending(world, "vote_close", vote_id) == []
    [show] = await pending(world, "vote_show", vote_id)
    assert from_text(show) <= world.clock.now()
    with pytest.raises(VoteClosed, match="watch party was cancelled"):
        await world.votes.cast(vote_id, BRUNO, 0)
