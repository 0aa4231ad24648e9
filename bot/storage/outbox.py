"""The outbox: every future reminder and ping is a row with its due time and state.

States: pending -> sending (claimed) -> sent | late (sent, but late) | missed (too late, not sent)
| failed (permanent error, or gave up) ; pending -> cancelled (the party or follow went away).
Services add rows with :func:`add` inside their own transaction, so a change and its deliveries
are written together.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.storage.db import Database, Queries, Row

PENDING, SENDING, SENT, LATE, MISSED, FAILED, CANCELLED = (
    "pending",
    "sending",
    "sent",
    "late",
    "missed",
    "failed",
    "cancelled",
)


def to_text(instant: datetime) -> str:
    """UTC ISO text that sorts in time order."""
    return instant.astimezone(UTC).isoformat(timespec="milliseconds")


def from_text(text: str) -> datetime:
    return datetime.fromisoformat(text)


@dataclass(frozen=True)
class Delivery:
    id: int
    kind: str
    ref_id: int
    due_at: datetime
    attempts: int
    data: dict = field(default_factory=dict)

    @property
    def nonce(self) -> str:
        """Stable across retries and restarts, so Discord drops a resend (max 25 chars)."""
        return f"wp{self.id}"


async def add(
    conn: Queries, kind: str, ref_id: int, due_at: datetime, data: dict | None = None
) -> int:
    """Queue a delivery; call inside the service's transaction."""
    due = to_text(due_at)
    return int(
        await conn.fetchval(
            "INSERT INTO outbox (kind, ref_id, due_at, next_at, data) VALUES (?, ?, ?, ?, ?) "
            "RETURNING id",
            (kind, ref_id, due, due, json.dumps(data or {}, separators=(",", ":"))),
        )
    )


async def add_many(conn: Queries, rows: list[tuple[str, int, datetime, dict]]) -> None:
    await conn.executemany(
        "INSERT INTO outbox (kind, ref_id, due_at, next_at, data) VALUES (?, ?, ?, ?, ?)",
        [
            (kind, ref, to_text(due), to_text(due), json.dumps(data, separators=(",", ":")))
            for kind, ref, due, data in rows
        ],
    )


async def cancel_pending(conn: Queries, kinds: tuple[str, ...], ref_id: int) -> int:
    """Cancel the pending deliveries of these kinds for one party/plan; returns how many."""
    marks = ",".join("?" * len(kinds))
    return await conn.execute(
        f"UPDATE outbox SET state = '{CANCELLED}' "
        f"WHERE state = '{PENDING}' AND ref_id = ? AND kind IN ({marks})",
        (ref_id, *kinds),
    )


def _row(row: Row) -> Delivery:
    return Delivery(
        id=row["id"],
        kind=row["kind"],
        ref_id=row["ref_id"],
        due_at=from_text(row["due_at"]),
        attempts=row["attempts"],
        data=json.loads(row["data"]),
    )


class OutboxRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def next_due(self) -> datetime | None:
        first = await self.db.fetchval(f"SELECT MIN(next_at) FROM outbox WHERE state = '{PENDING}'")
        return from_text(first) if first else None

    async def claim_due(self, now: datetime, limit: int) -> list[Delivery]:
        """Atomically move up to ``limit`` due rows to 'sending' and return them, soonest first."""
        async with self.db.transaction() as conn:
            rows = await conn.fetchall(
                f"UPDATE outbox SET state = '{SENDING}', attempts = attempts + 1 WHERE id IN ("
                f"  SELECT id FROM outbox WHERE state = '{PENDING}' AND next_at <= ? "
                f"  ORDER BY next_at LIMIT ?) RETURNING *",
                (to_text(now), limit),
            )
        return sorted((_row(r) for r in rows), key=lambda d: (d.due_at, d.id))

    async def finish(
        self, delivery_id: int, state: str, at: datetime, error: str | None = None
    ) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE outbox SET state = ?, sent_at = ?, error = ? WHERE id = ?",
                (state, to_text(at), error, delivery_id),
            )

    async def retry_at(self, delivery_id: int, when: datetime, error: str) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                f"UPDATE outbox SET state = '{PENDING}', next_at = ?, error = ? WHERE id = ?",
                (to_text(when), error, delivery_id),
            )

    async def release_inflight(self) -> int:
        """After a crash, rows left 'sending' go back to 'pending' (their nonce stops duplicates)."""
        async with self.db.transaction() as conn:
            return await conn.execute(
                f"UPDATE outbox SET state = '{PENDING}' WHERE state = '{SENDING}'"
            )
