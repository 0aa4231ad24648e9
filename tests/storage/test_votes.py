"""Vote rows on a real database (both engines): one open vote per party, even when two are
opened at once from two processes; ballots are taken until the close and never after."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.domain import parties as party_rules
from bot.domain import votes as rules
from bot.domain.parties import Party
from bot.domain.votes import Choice, Vote
from bot.storage.db import Database, open_database
from bot.storage.parties import PartyRepo
from bot.storage.votes import VoteRepo
from tests.databases import fresh_database

NOW = datetime(2025, 5, 20, 12, 0, tzinfo=UTC)
START = NOW + timedelta(days=3)
CHOICES = (Choice("", "Paprika"), Choice("lost-in-starlight", "Lost in Starlight"))


async def a_party(db: Database) -> Party:
    party = Party(
        id=0,
        guild_id=1,
        channel_id=2,
        host_id=3,
        film_id="",
        film_title="Club Night",
        starts_at=START,
        ends_at=START + party_rules.ASSUMED_RUNTIME,
        zone_key="UTC",
        note="",
        reminders=(),
    )
    return await PartyRepo(db).create(party, [], NOW)


def draft(party: Party) -> Vote:
    return Vote(
        0, party.id, party.guild_id, party.channel_id, 3, START - timedelta(days=1), CHOICES
    )


async def test_two_votes_opened_at_once_from_two_processes_leave_one(tmp_path: Path) -> None:
    target = fresh_database(tmp_path, "db.sqlite3")
    first, second = await open_database(target), await open_database(target)
    try:
        party = await a_party(first)
        made = await asyncio.gather(
            VoteRepo(first).create(draft(party), NOW), VoteRepo(second).create(draft(party), NOW)
        )
        assert sorted(v is None for v in made) == [False, True]
        rows = await first.fetchall("SELECT kind FROM outbox WHERE kind = ?", (rules.CLOSE,))
        assert len(rows) == 1  # the refused vote left no close behind
    finally:
        await first.close()
        await second.close()


async def test_a_ballot_changes_and_the_close_counts_the_last_one(db: Database) -> None:
    repo = VoteRepo(db)
    vote = await repo.create(draft(await a_party(db)), NOW)
    assert vote is not None
    assert await repo.cast(vote.id, 7, 0, NOW) == (None, {0: 1})
    assert await repo.cast(vote.id, 7, 1, NOW) == (0, {1: 1})
    closed = await repo.close(vote.id, lambda ballots: rules.winner(rules.tally(2, ballots)))
    assert closed is not None and closed.winner == 1 and closed.status == rules.CLOSED


async def test_a_ballot_returns_the_votes_per_film_not_every_ballot(db: Database) -> None:
    repo = VoteRepo(db)
    vote = await repo.create(draft(await a_party(db)), NOW)
    assert vote is not None
    for member in range(100, 150):  # 50 members: the answer has one entry per film picked
        await repo.cast(vote.id, member, member % 2, NOW)
    assert await repo.cast(vote.id, 7, 1, NOW) == (None, {0: 25, 1: 26})
    assert await repo.counts(vote.id) == {0: 25, 1: 26}


async def test_no_ballot_is_taken_after_the_close(db: Database) -> None:
    repo = VoteRepo(db)
    vote = await repo.create(draft(await a_party(db)), NOW)
    assert vote is not None
    await repo.close(vote.id, lambda _: None)
    assert await repo.cast(vote.id, 7, 0, NOW) is None
    assert await repo.ballots(vote.id) == {}


async def test_a_close_runs_once(db: Database) -> None:
    repo = VoteRepo(db)
    vote = await repo.create(draft(await a_party(db)), NOW)
    assert vote is not None
    assert await repo.close(vote.id, lambda _: None) is not None
    assert await repo.close(vote.id, lambda _: 0) is None  # a repeat changes nothing
    again = await repo.get(vote.id)
    assert again is not None and again.winner is None
