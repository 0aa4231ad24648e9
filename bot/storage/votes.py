"""Film votes and ballots: SQL only. Opening a vote writes its closing delivery with it."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime

from bot.domain.votes import CANCELLED, CLOSE, CLOSED, OPEN, SHOW, Choice, Vote
from bot.storage import outbox
from bot.storage.db import Database, Queries, Row
from bot.storage.outbox import from_text, to_text


def _vote(row: Row) -> Vote:
    return Vote(
        id=row["id"],
        party_id=row["party_id"],
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        opened_by=row["opened_by"],
        closes_at=from_text(row["closes_at"]),
        choices=tuple(Choice(film_id, title) for film_id, title in json.loads(row["choices"])),
        status=row["status"],
        winner=row["winner"],
        message_id=row["message_id"],
    )


async def _ballots(conn: Queries, vote_id: int) -> dict[int, int]:
    rows = await conn.fetchall(
        "SELECT user_id, choice FROM ballots WHERE vote_id = ? ORDER BY cast_at, user_id",
        (vote_id,),
    )
    return {r["user_id"]: r["choice"] for r in rows}


async def _counts(conn: Queries, vote_id: int) -> dict[int, int]:
    """Choice index -> votes: one row per film, however many members voted."""
    rows = await conn.fetchall(
        "SELECT choice, COUNT(*) AS n FROM ballots WHERE vote_id = ? GROUP BY choice", (vote_id,)
    )
    return {r["choice"]: r["n"] for r in rows}


class VoteRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, vote_id: int) -> Vote | None:
        row = await self.db.fetchone("SELECT * FROM votes WHERE id = ?", (vote_id,))
        return _vote(row) if row else None

    async def open_for(self, party_id: int) -> Vote | None:
        """The party's open vote, if it has one."""
        row = await self.db.fetchone(
            f"SELECT * FROM votes WHERE party_id = ? AND status = '{OPEN}'", (party_id,)
        )
        return _vote(row) if row else None

    async def create(self, vote: Vote, now: datetime) -> Vote | None:
        """Insert the vote and its closing delivery together; None if the party has an open
        vote already (the partial unique index decides, so two at once leave one)."""
        choices = json.dumps([[c.film_id, c.title] for c in vote.choices], ensure_ascii=False)
        async with self.db.transaction() as conn:
            vote_id = await conn.fetchval(
                "INSERT INTO votes (party_id, guild_id, channel_id, opened_by, closes_at, "
                "choices, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT DO NOTHING RETURNING id",
                (
                    vote.party_id,
                    vote.guild_id,
                    vote.channel_id,
                    vote.opened_by,
                    to_text(vote.closes_at),
                    choices,
                    to_text(now),
                ),
            )
            if vote_id is None:
                return None
            await outbox.add(conn, CLOSE, int(vote_id), vote.closes_at)
        return await self.get(int(vote_id))

    async def set_message(self, vote_id: int, message_id: int) -> None:
        await self.db.execute("UPDATE votes SET message_id = ? WHERE id = ?", (message_id, vote_id))

    async def cancel(self, vote_id: int) -> None:
        """Drop a vote whose message could not be posted, with its closing delivery."""
        async with self.db.transaction() as conn:
            await conn.execute(
                f"UPDATE votes SET status = '{CANCELLED}' WHERE id = ? AND status = '{OPEN}'",
                (vote_id,),
            )
            await outbox.cancel_pending(conn, (CLOSE,), vote_id)

    async def call_off(self, conn: Queries, party_id: int, now: datetime) -> int | None:
        """The party was cancelled (in ``conn``'s transaction): its open vote is called off,
        its close dropped and its message queued for an update, due now. The vote's id; None
        when it had no open vote (or its close got there first)."""
        vote_id = await conn.fetchval(
            f"UPDATE votes SET status = '{CANCELLED}' WHERE party_id = ? AND status = '{OPEN}' "
            "RETURNING id",
            (party_id,),
        )
        if vote_id is None:
            return None
        await outbox.cancel_pending(conn, (CLOSE,), int(vote_id))
        await outbox.add(conn, SHOW, int(vote_id), now)
        return int(vote_id)

    async def close_by(
        self, conn: Queries, party_id: int, deadline: datetime, now: datetime
    ) -> int | None:
        """The party moved (in ``conn``'s transaction): an open vote that would close after
        ``deadline`` closes then instead, its close row moved with it. Its message is queued
        for an update, due now, unless it closes now: then the close shows the result, and an
        update built beside it could land after it and show the vote open again. The vote's
        id; None when nothing had to move."""
        at = to_text(deadline)
        vote_id = await conn.fetchval(
            f"UPDATE votes SET closes_at = ? WHERE party_id = ? AND status = '{OPEN}' "
            "AND closes_at > ? RETURNING id",
            (at, party_id, at),
        )
        if vote_id is None:
            return None
        # Only a close still pending is moved: one being sent right now closes the vote
        # anyway, and a second row would tell the voters twice.
        if await outbox.cancel_pending(conn, (CLOSE,), int(vote_id)):
            await outbox.add(conn, CLOSE, int(vote_id), deadline)
        if deadline > now:
            await outbox.add(conn, SHOW, int(vote_id), now)
        else:
            await outbox.cancel_pending(conn, (SHOW,), int(vote_id))
        return int(vote_id)

    async def cast(
        self, vote_id: int, user_id: int, choice: int, now: datetime
    ) -> tuple[int | None, dict[int, int]] | None:
        """Record (or change) a member's ballot while the vote is open and before its deadline.
        Returns (their previous choice, votes per choice index, counted in the same
        transaction), or None when the vote is closed."""
        async with self.db.transaction() as conn:
            # First, so it locks the vote's row: a close at the same moment (another process
            # too) waits for this ballot and counts it, or this one finds the vote closed.
            still_open = await conn.execute(
                f"UPDATE votes SET status = status WHERE id = ? AND status = '{OPEN}' "
                "AND closes_at > ?",
                (vote_id, to_text(now)),
            )
            if not still_open:
                return None
            before = await conn.fetchval(
                "SELECT choice FROM ballots WHERE vote_id = ? AND user_id = ?", (vote_id, user_id)
            )
            await conn.execute(
                "INSERT INTO ballots (vote_id, user_id, choice, cast_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(vote_id, user_id) DO UPDATE SET choice = excluded.choice, "
                "cast_at = excluded.cast_at",
                (vote_id, user_id, choice, to_text(now)),
            )
            return before, await _counts(conn, vote_id)

    async def counts(self, vote_id: int) -> dict[int, int]:
        """Choice index -> votes (choices nobody picked are absent)."""
        return await _counts(self.db, vote_id)

    async def ballots(self, vote_id: int) -> dict[int, int]:
        """Member -> choice index, in the order they (last) voted (read once, at the close)."""
        return await _ballots(self.db, vote_id)

    async def close(
        self, vote_id: int, decide: Callable[[dict[int, int]], int | None]
    ) -> Vote | None:
        """Close an open vote with the winner ``decide`` picks from its ballots (one
        transaction: no ballot slips in after it). None if it was not open (closed already,
        by an earlier attempt of the same delivery, or cancelled)."""
        async with self.db.transaction() as conn:
            closing = await conn.execute(
                f"UPDATE votes SET status = '{CLOSED}' WHERE id = ? AND status = '{OPEN}'",
                (vote_id,),
            )
            if not closing:
                return None
            won = decide(await _ballots(conn, vote_id))
            await conn.execute("UPDATE votes SET winner = ? WHERE id = ?", (won, vote_id))
            row = await conn.fetchone("SELECT * FROM votes WHERE id = ?", (vote_id,))
        assert row is not None
        return _vote(row)
