"""Who hears what about watch parties: SQL only. Reminder choices per party, members' own lead
times, the listeners of a party (one query, however many members), and its reminder rows."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from bot.domain.hearing import CHANGED, Change, Listener, Queued
from bot.domain.parties import REMINDER
from bot.storage import outbox
from bot.storage.db import POSTGRESQL, Queries, Row
from bot.storage.outbox import from_text, to_text


def _leads(text: str | None) -> tuple[timedelta, ...] | None:
    if text is None:
        return None
    return tuple(timedelta(seconds=int(s)) for s in text.split(",") if s)


def _leads_text(leads: tuple[timedelta, ...] | None) -> str | None:
    if leads is None:
        return None
    return ",".join(str(int(lead.total_seconds())) for lead in leads)


def _listener(row: Row) -> Listener:
    choice = row["wanted"]
    return Listener(
        user_id=row["user_id"],
        status=row["status"],
        choice=None if choice is None else bool(choice),
        own_leads=_leads(row["reminder_leads"]),
        zone=row["zone"],
        by_dm=bool(row["dm_pings"]),
    )


_LISTENERS = (
    "SELECT r.user_id, r.status, c.wanted, u.reminder_leads, u.dm_pings, z.zone FROM rsvps r "
    "LEFT JOIN reminder_choices c ON c.party_id = r.party_id AND c.user_id = r.user_id "
    "LEFT JOIN user_prefs u ON u.user_id = r.user_id "
    "LEFT JOIN user_zones z ON z.user_id = r.user_id "
    "WHERE r.party_id = ? AND r.status IN ('going', 'maybe', 'waiting')"
)


async def listeners(db: Queries, party_id: int) -> list[Listener]:
    """Everyone who answered Going or Maybe or waits for a seat, with their choice, own leads,
    zone and DM wish (the domain's rules pick who hears what)."""
    return [_listener(r) for r in await db.fetchall(_LISTENERS, (party_id,))]


async def with_own_leads(conn: Queries, party_id: int) -> list[Listener]:
    """The party's listeners who set their own lead times (all a re-plan needs to read)."""
    rows = await conn.fetchall(_LISTENERS + " AND u.reminder_leads IS NOT NULL", (party_id,))
    return [_listener(r) for r in rows]


async def answer(conn: Queries, party_id: int, user_id: int) -> tuple[str | None, bool | None]:
    """A member's answer to a party (None: none given) and their reminder choice for it."""
    row = await conn.fetchone(
        "SELECT r.status, c.wanted FROM rsvps r LEFT JOIN reminder_choices c "
        "ON c.party_id = r.party_id AND c.user_id = r.user_id "
        "WHERE r.party_id = ? AND r.user_id = ?",
        (party_id, user_id),
    )
    if row is None:
        return None, None
    return row["status"], None if row["wanted"] is None else bool(row["wanted"])


async def set_choice(conn: Queries, party_id: int, user_id: int, wanted: bool) -> None:
    """Turn one party's reminders on or off for a member."""
    await conn.execute(
        "INSERT INTO reminder_choices (party_id, user_id, wanted) VALUES (?, ?, ?) "
        "ON CONFLICT(party_id, user_id) DO UPDATE SET wanted = excluded.wanted",
        (party_id, user_id, int(wanted)),
    )


#: Any number: with a member's id, the advisory lock (PostgreSQL) of their own lead times.
_LEADS_LOCK = 7_361_051


async def lock_leads(conn: Queries, user_id: int, *, shared: bool) -> None:
    """Hold a member's own-lead-times lock until the transaction ends: exclusive to change
    them, shared to read them after an answer of theirs (answers don't wait for each other).
    A change waits for every open answer, and an answer for the change, so the second of the
    two sees the first (the change re-plans the parties it finds answered). PostgreSQL only:
    SQLite has one writer at a time anyway."""
    if conn.engine == POSTGRESQL:
        lock = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
        # The two-number form: (this lock, the member's id folded into 31 bits; a clash only
        # makes two members take turns).
        await conn.execute(f"SELECT {lock}(?, ?)", (_LEADS_LOCK, user_id & 0x7FFF_FFFF))


async def own_leads(conn: Queries, user_id: int) -> tuple[timedelta, ...] | None:
    """A member's own reminder lead times, or None: they follow each party's."""
    return _leads(
        await conn.fetchval("SELECT reminder_leads FROM user_prefs WHERE user_id = ?", (user_id,))
    )


async def set_own_leads(conn: Queries, user_id: int, leads: tuple[timedelta, ...] | None) -> None:
    await conn.execute(
        "INSERT INTO user_prefs (user_id, reminder_leads) VALUES (?, ?) "
        "ON CONFLICT(user_id) DO UPDATE SET reminder_leads = excluded.reminder_leads",
        (user_id, _leads_text(leads)),
    )


async def answered_parties(conn: Queries, user_id: int, now: datetime) -> list[int]:
    """The upcoming parties (every server) a member answered Going or Maybe, by id."""
    rows = await conn.fetchall(
        "SELECT p.id FROM parties p JOIN rsvps r ON r.party_id = p.id AND r.user_id = ? "
        "WHERE p.status = 'active' AND p.starts_at > ? AND r.status IN ('going', 'maybe') "
        "ORDER BY p.id",
        (user_id, to_text(now)),
    )
    return [r["id"] for r in rows]


async def queued_reminders(conn: Queries, party_id: int) -> list[Queued]:
    """A party's reminder rows that are or will be sent (not cancelled, missed or failed)."""
    rows = await conn.fetchall(
        f"SELECT id, due_at, state, data FROM outbox WHERE ref_id = ? AND kind = '{REMINDER}' "
        f"AND state IN ('{outbox.PENDING}', '{outbox.SENDING}', '{outbox.SENT}', '{outbox.LATE}')",
        (party_id,),
    )
    return [
        Queued(
            r["id"],
            timedelta(seconds=int(json.loads(r["data"])["lead"])),
            from_text(r["due_at"]),
            r["state"] == outbox.PENDING,
        )
        for r in rows
    ]


async def cancel_rows(conn: Queries, ids: list[int]) -> None:
    """Cancel these outbox rows if they are still pending."""
    if ids:
        marks = ",".join("?" * len(ids))
        await conn.execute(
            f"UPDATE outbox SET state = '{outbox.CANCELLED}' "
            f"WHERE state = '{outbox.PENDING}' AND id IN ({marks})",
            tuple(ids),
        )


async def pending_change(conn: Queries, party_id: int) -> tuple[int, Change] | None:
    """A party's change notice not yet claimed for sending, if any: (row id, its change)."""
    row = await conn.fetchone(
        f"SELECT id, data FROM outbox WHERE ref_id = ? AND kind = '{CHANGED}' "
        f"AND state = '{outbox.PENDING}' ORDER BY id LIMIT 1",
        (party_id,),
    )
    return None if row is None else (row["id"], Change.from_data(json.loads(row["data"])))


async def set_pending_change(conn: Queries, row_id: int, change: Change) -> bool:
    """Replace what a pending change notice reports; False when it was claimed meanwhile
    (it is being sent: a new row must tell the rest)."""
    return (
        await conn.execute(
            f"UPDATE outbox SET data = ? WHERE id = ? AND state = '{outbox.PENDING}'",
            (json.dumps(change.data(), separators=(",", ":")), row_id),
        )
        == 1
    )
