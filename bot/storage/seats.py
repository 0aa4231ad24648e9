"""Seats and the waitlist: SQL only. Every change runs with the party's row locked, so two
clicks at once (in two processes too) take turns and never fill more seats than there are."""

from __future__ import annotations

from datetime import datetime

from bot.domain import seats as rules
from bot.domain.parties import GOING
from bot.storage import outbox
from bot.storage.db import POSTGRESQL, Database, Queries
from bot.storage.outbox import to_text


async def lock_capacity(conn: Queries, party_id: int) -> tuple[bool, int | None] | None:
    """(exists and active, capacity) of a party, its row held until the transaction ends.
    (``FOR NO KEY UPDATE``: answers referring to the row can still be written meanwhile;
    SQLite's ``BEGIN IMMEDIATE`` already serialises writers.)"""
    sql = "SELECT status, capacity FROM parties WHERE id = ?"
    if conn.engine == POSTGRESQL:
        sql += " FOR NO KEY UPDATE"
    row = await conn.fetchone(sql, (party_id,))
    if row is None:
        return None
    return row["status"] == "active", row["capacity"]


async def _going(conn: Queries, party_id: int) -> int:
    return int(
        await conn.fetchval(
            "SELECT COUNT(*) FROM rsvps WHERE party_id = ? AND status = ?", (party_id, GOING)
        )
    )


async def _waiting(conn: Queries, party_id: int) -> list[int]:
    rows = await conn.fetchall(
        "SELECT user_id FROM rsvps WHERE party_id = ? AND status = ? ORDER BY queue_no, user_id",
        (party_id, rules.WAITING),
    )
    return [int(r["user_id"]) for r in rows]


async def fill(conn: Queries, party_id: int, capacity: int | None, now: datetime) -> list[int]:
    """Give free seats to the first waiting members, and queue the notice telling them (due
    ``now``). Call with the party's row locked; returns who was promoted."""
    promoted = rules.to_promote(
        await _going(conn, party_id), capacity, await _waiting(conn, party_id)
    )
    if not promoted:
        return []
    marks = ",".join("?" * len(promoted))
    await conn.execute(
        f"UPDATE rsvps SET status = ?, queue_no = 0, updated_at = ? "
        f"WHERE party_id = ? AND user_id IN ({marks})",
        (GOING, to_text(now), party_id, *promoted),
    )
    await outbox.add(conn, rules.PROMOTED, party_id, now, {"users": promoted})
    return promoted


async def answer(
    conn: Queries, party_id: int, user_id: int, wanted: str, now: datetime
) -> tuple[rules.Answered, list[int]] | None:
    """Record a member's answer, inside the caller's transaction: "Going" beyond the capacity
    joins the waitlist; a seat given up goes to the first in line (with its notice). Returns
    (what the member got, who was promoted), or None when the party is gone or cancelled."""
    locked = await lock_capacity(conn, party_id)
    if locked is None or not locked[0]:
        return None
    capacity = locked[1]
    current = await conn.fetchval(
        "SELECT status FROM rsvps WHERE party_id = ? AND user_id = ?", (party_id, user_id)
    )
    status = rules.seat_for(wanted, current, await _going(conn, party_id), capacity)
    if status == rules.WAITING and current != rules.WAITING:
        queue_no = 1 + int(
            await conn.fetchval(
                "SELECT COALESCE(MAX(queue_no), 0) FROM rsvps WHERE party_id = ?",
                (party_id,),
            )
        )
    else:
        queue_no = None  # unchanged for one already waiting; 0 for everyone else
    await conn.execute(
        "INSERT INTO rsvps (party_id, user_id, status, updated_at, queue_no) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT(party_id, user_id) DO UPDATE SET "
        "status = excluded.status, updated_at = CASE WHEN rsvps.status = excluded.status "
        "THEN rsvps.updated_at ELSE excluded.updated_at END, "
        "queue_no = CASE WHEN excluded.status = ? THEN "
        "CASE WHEN rsvps.status = ? THEN rsvps.queue_no ELSE excluded.queue_no END "
        "ELSE 0 END",
        (
            party_id,
            user_id,
            status,
            to_text(now),
            queue_no if queue_no is not None else 0,
            rules.WAITING,
            rules.WAITING,
        ),
    )
    promoted = await fill(conn, party_id, capacity, now) if current == GOING else []
    place = None
    if status == rules.WAITING:
        place = (await _waiting(conn, party_id)).index(user_id) + 1
    return rules.Answered(status, place), promoted


async def set_thread(db: Database, party_id: int, thread_id: int) -> None:
    """Remember the thread started on a party's card (its pings go there)."""
    async with db.transaction() as conn:
        await conn.execute("UPDATE parties SET thread_id = ? WHERE id = ?", (thread_id, party_id))
