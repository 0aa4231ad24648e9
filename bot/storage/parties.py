"""Watch parties and RSVPs: SQL only. Writes that change the schedule also write the outbox."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import datetime, timedelta

from bot.domain.parties import PARTY_KINDS, Party, Planned
from bot.domain.seats import WAITING
from bot.storage import outbox, seats
from bot.storage.db import POSTGRESQL, Database, Queries, Row
from bot.storage.outbox import from_text, to_text
from bot.storage.series_rows import PARTY_JOIN, series_mark

#: Work added to a party's creating transaction: (conn, the party with its new id).
Within = Callable[[Queries, Party], Awaitable[None]]


def _party(row: Row) -> Party:
    return Party(
        id=row["id"],
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        host_id=row["host_id"],
        film_id=row["film_id"],
        starts_at=from_text(row["starts_at"]),
        ends_at=from_text(row["ends_at"]) if row["ends_at"] else None,
        zone_key=row["zone"],
        note=row["note"],
        reminders=tuple(timedelta(seconds=int(s)) for s in row["reminders"].split(",") if s),
        voice_channel_id=row["voice_channel_id"],
        message_id=row["message_id"],
        event_id=row["event_id"],
        cancelled=row["status"] == "cancelled",
        film_title=row["film_title"],
        capacity=row["capacity"],
        role_id=row["role_id"],
        thread_id=row["thread_id"],
        series=series_mark(row),
    )


def _reminders_text(reminders: tuple[timedelta, ...]) -> str:
    return ",".join(str(int(r.total_seconds())) for r in reminders)


async def _queue(conn: Queries, party_id: int, planned: list[Planned]) -> None:
    await outbox.add_many(conn, [(p.kind, party_id, p.due, p.data) for p in planned])


async def insert_party(conn: Queries, party: Party, planned: list[Planned], now: datetime) -> int:
    """Insert a party, its host's 'going' answer and its deliveries (in ``conn``'s transaction)."""
    party_id = int(
        await conn.fetchval(
            "INSERT INTO parties (guild_id, channel_id, voice_channel_id, host_id, film_id, "
            "film_title, starts_at, ends_at, zone, note, reminders, created_at, capacity, "
            "role_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                party.guild_id,
                party.channel_id,
                party.voice_channel_id,
                party.host_id,
                party.film_id,
                party.film_title,
                to_text(party.starts_at),
                to_text(party.ends_at) if party.ends_at else None,
                party.zone_key,
                party.note,
                _reminders_text(party.reminders),
                to_text(now),
                party.capacity,
                party.role_id,
            ),
        )
    )
    await conn.execute(
        "INSERT INTO rsvps (party_id, user_id, status, updated_at) VALUES (?, ?, 'going', ?)",
        (party_id, party.host_id, to_text(now)),
    )
    await _queue(conn, party_id, planned)
    return party_id


class PartyRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    @asynccontextmanager
    async def _tx(self, conn: Queries | None) -> AsyncIterator[Queries]:
        """The caller's transaction when it passes one (its change and others' go together),
        else a transaction of its own."""
        if conn is not None:
            yield conn
        else:
            async with self.db.transaction() as own:
                yield own

    @staticmethod
    async def read(db: Queries, party_id: int) -> Party | None:
        """A party, read through ``db`` (a transaction's conn inside one)."""
        row = await db.fetchone(f"SELECT p.*, {PARTY_JOIN} WHERE p.id = ?", (party_id,))
        return _party(row) if row else None

    async def get(self, party_id: int) -> Party | None:
        return await self.read(self.db, party_id)

    async def active_counts(self, guild_id: int, host_id: int, now: datetime) -> tuple[int, int]:
        row = await self.db.fetchone(
            "SELECT COUNT(*) AS guild, COALESCE(SUM(CASE WHEN host_id = ? THEN 1 ELSE 0 END), 0) AS host FROM parties "
            "WHERE guild_id = ? AND status = 'active' AND starts_at > ?",
            (host_id, guild_id, to_text(now)),
        )
        assert row is not None
        return int(row["host"]), int(row["guild"])

    async def upcoming(self, guild_id: int, now: datetime, limit: int = 25) -> list[Party]:
        rows = await self.db.fetchall(
            f"SELECT p.*, {PARTY_JOIN} WHERE p.guild_id = ? AND p.status = 'active' AND "
            "COALESCE(p.ends_at, p.starts_at) > ? ORDER BY p.starts_at LIMIT ?",
            (guild_id, to_text(now), limit),
        )
        return [_party(r) for r in rows]

    async def mine(
        self, guild_id: int, user_id: int, now: datetime
    ) -> list[tuple[Party, str, int | None]]:
        """Upcoming parties this member hosts, answered Going or Maybe or waits for a seat at:
        (party, their answer ('host' if host), their place on the waitlist when waiting)."""
        rows = await self.db.fetchall(
            f"SELECT p.*, COALESCE(r.status, 'host') AS answer, "
            # The place in line: waiting members before or at this one in the waitlist's order
            # (queue_no, then user id: as bot.storage.seats orders it).
            "(SELECT COUNT(*) FROM rsvps w WHERE w.party_id = p.id AND w.status = 'waiting' "
            "AND (w.queue_no < r.queue_no OR (w.queue_no = r.queue_no AND w.user_id <= r.user_id)))"
            f" AS place, {PARTY_JOIN} "
            "LEFT JOIN rsvps r ON r.party_id = p.id AND r.user_id = ? "
            "WHERE p.guild_id = ? AND p.status = 'active' AND COALESCE(p.ends_at, p.starts_at) > ? "
            "AND (p.host_id = ? OR r.status IN ('going', 'maybe', 'waiting')) "
            "ORDER BY p.starts_at LIMIT 25",
            (user_id, guild_id, to_text(now), user_id),
        )
        return [
            (
                _party(r),
                "host" if r["host_id"] == user_id else r["answer"],
                int(r["place"]) if r["answer"] == WAITING else None,
            )
            for r in rows
        ]

    async def create(
        self,
        party: Party,
        planned: list[Planned],
        now: datetime,
        within: Within | None = None,
    ) -> Party:
        """Insert the party, the host's 'going' answer and its deliveries in one transaction;
        ``within(conn, party)`` adds to that transaction (a series ties the party to itself)."""
        async with self.db.transaction() as conn:
            party_id = await insert_party(conn, party, planned, now)
            if within is not None:
                await within(conn, replace(party, id=party_id))
        created = await self.get(party_id)
        assert created is not None
        return created

    async def update(
        self,
        party: Party,
        replan: list[Planned] | None,
        conn: Queries | None = None,
        *,
        now: datetime | None = None,
    ) -> list[int]:
        """Save edited fields; with a new plan, pending deliveries are replaced in the same
        transaction. With ``now``: seats freed by a raised capacity go to the first waiting
        members (told through the outbox, due ``now``): returns them."""
        async with self._tx(conn) as conn:
            # First, so it locks the party's row: a second edit at once (in another process too)
            # waits, then its cancel sees this one's new reminders, leaving one plan.
            await conn.execute(
                # A new channel gets a fresh chance to report a problem to the host.
                "UPDATE parties SET problem_reported = "
                "CASE WHEN channel_id = ? THEN problem_reported ELSE 0 END, "
                "channel_id = ?, voice_channel_id = ?, film_id = ?, film_title = ?, starts_at = ?, "
                "ends_at = ?, zone = ?, note = ?, reminders = ?, capacity = ?, role_id = ?, "
                # The thread hangs under the old card: a moved party pings its new channel.
                "thread_id = CASE WHEN channel_id = ? THEN thread_id ELSE NULL END WHERE id = ?",
                (
                    party.channel_id,
                    party.channel_id,
                    party.voice_channel_id,
                    party.film_id,
                    party.film_title,
                    to_text(party.starts_at),
                    to_text(party.ends_at) if party.ends_at else None,
                    party.zone_key,
                    party.note,
                    _reminders_text(party.reminders),
                    party.capacity,
                    party.role_id,
                    party.channel_id,
                    party.id,
                ),
            )
            if replan is not None:
                await outbox.cancel_pending(conn, PARTY_KINDS, party.id)
                await _queue(conn, party.id, replan)
            return await seats.fill(conn, party.id, party.capacity, now) if now else []

    async def cancel(self, party_id: int, conn: Queries | None = None) -> None:
        async with self._tx(conn) as conn:
            await conn.execute("UPDATE parties SET status = 'cancelled' WHERE id = ?", (party_id,))
            await outbox.cancel_pending(conn, PARTY_KINDS, party_id)

    async def set_message(
        self, party_id: int, message_id: int | None, event_id: int | None
    ) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE parties SET message_id = COALESCE(?, message_id), "
                "event_id = COALESCE(?, event_id) WHERE id = ?",
                (message_id, event_id, party_id),
            )

    async def clear_event(self, party_id: int) -> None:
        async with self.db.transaction() as conn:
            await conn.execute("UPDATE parties SET event_id = NULL WHERE id = ?", (party_id,))

    async def set_rsvp(
        self, party_id: int, user_id: int, status: str, now: datetime, conn: Queries | None = None
    ) -> None:
        async with self._tx(conn) as conn:
            await conn.execute(
                "INSERT INTO rsvps (party_id, user_id, status, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(party_id, user_id) DO UPDATE SET status = excluded.status, "
                "updated_at = excluded.updated_at",
                (party_id, user_id, status, to_text(now)),
            )

    async def rsvps(self, party_id: int) -> dict[int, str]:
        rows = await self.db.fetchall(
            # Answers in the order given; the waitlist (queue_no > 0) last, in line order.
            "SELECT user_id, status FROM rsvps WHERE party_id = ? ORDER BY queue_no, updated_at",
            (party_id,),
        )
        return {r["user_id"]: r["status"] for r in rows}

    async def mark_problem_reported(self, party_id: int) -> bool:
        """True the first time only: a broken channel is reported to the host once."""
        async with self.db.transaction() as conn:
            changed = await conn.execute(
                "UPDATE parties SET problem_reported = 1 WHERE id = ? AND problem_reported = 0",
                (party_id,),
            )
            return changed > 0


async def lock_party(conn: Queries, party_id: int) -> Party | None:
    """Read a party holding its row until the transaction ends: two changes at once (two
    processes, an edit and a re-plan) take turns and leave one plan.
    (``FOR NO KEY UPDATE`` lets RSVPs referring to the row be written meanwhile; SQLite's
    ``BEGIN IMMEDIATE`` already serialises writers.)"""
    sql = "SELECT id FROM parties WHERE id = ?"
    if conn.engine == POSTGRESQL:
        sql += " FOR NO KEY UPDATE"
    if await conn.fetchval(sql, (party_id,)) is None:
        return None
    return await PartyRepo.read(conn, party_id)
