"""The outbox: every future reminder and ping is a row with its due time and state.

States: pending -> sending (claimed) -> sent | late (sent, but late) | missed (too late, not sent)
| failed (permanent error, or gave up) ; pending -> cancelled (the party or follow went away).
Services add rows with :func:`add` inside their own transaction, so a change and its deliveries
are written together; on PostgreSQL the same transaction NOTIFYs every process (channel
:data:`CHANNEL`, the soonest due time as payload), delivered when it commits.

Several processes share the table. A claim names its claimant and holds a lease (``lease_until``,
milliseconds on the database's clock, so the hosts' clocks don't matter); the claimant renews it
while it sends; a row left 'sending' whose lease ran out is claimable again, by anyone. Marking a
row checks that it is still this claim's (same claimant, same attempt), so a process that lost its
lease can't overwrite the result of the one that took over.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.storage.db import POSTGRESQL, Database, Queries, Row
from bot.storage.listen import scoped

PENDING, SENDING, SENT, LATE, MISSED, FAILED, CANCELLED = (
    "pending",
    "sending",
    "sent",
    "late",
    "missed",
    "failed",
    "cancelled",
)


#: The NOTIFY channel for "a row was added or moved sooner"; the payload is its due time.
CHANNEL = "outbox"

#: Now, in milliseconds since 1970, on the database's clock.
_NOW_MS = {
    "sqlite": "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)",
    "postgresql": "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)",
}


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


async def notify(conn: Queries, due: str) -> None:
    """Tell every process (on PostgreSQL) that a row is due at ``due``; sent at commit."""
    if conn.engine == POSTGRESQL:
        await conn.execute(f"SELECT pg_notify({scoped('?')}, ?)", (CHANNEL, due))


async def add(
    conn: Queries, kind: str, ref_id: int, due_at: datetime, data: dict | None = None
) -> int:
    """Queue a delivery; call inside the service's transaction."""
    due = to_text(due_at)
    row_id = int(
        await conn.fetchval(
            "INSERT INTO outbox (kind, ref_id, due_at, next_at, data) VALUES (?, ?, ?, ?, ?) "
            "RETURNING id",
            (kind, ref_id, due, due, json.dumps(data or {}, separators=(",", ":"))),
        )
    )
    await notify(conn, due)
    return row_id


async def add_many(conn: Queries, rows: list[tuple[str, int, datetime, dict]]) -> None:
    """Queue several deliveries; call inside the service's transaction."""
    if not rows:
        return
    await conn.executemany(
        "INSERT INTO outbox (kind, ref_id, due_at, next_at, data) VALUES (?, ?, ?, ?, ?)",
        [
            (kind, ref, to_text(due), to_text(due), json.dumps(data, separators=(",", ":")))
            for kind, ref, due, data in rows
        ],
    )
    await notify(conn, to_text(min(due for _, _, due, _ in rows)))


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


@dataclass(frozen=True)
class NextWake:
    """When a process should look at the outbox again."""

    #: the soonest pending row's due time (None: nothing pending)
    due: datetime | None
    #: how long until the soonest lease of a row being sent runs out (None: nothing is being
    #: sent; negative: one already has, and its row can be claimed)
    lease_left: timedelta | None


class OutboxRepo:
    """The scheduler's queries, as one claimant (``host:pid:random``) with leases of ``lease``."""

    def __init__(self, db: Database, claimant: str, lease: timedelta) -> None:
        self.db = db
        self.claimant = claimant
        self.lease_ms = int(lease / timedelta(milliseconds=1))
        self._now = _NOW_MS[db.engine]
        # Only PostgreSQL has (and needs) row locks: SQLite's BEGIN IMMEDIATE lets one writer in.
        self._skip_locked = " FOR UPDATE SKIP LOCKED" if db.engine == POSTGRESQL else ""

    async def next_due(self) -> datetime | None:
        """When the soonest pending delivery is due (None: nothing pending)."""
        first = await self.db.fetchval(f"SELECT MIN(next_at) FROM outbox WHERE state = '{PENDING}'")
        return from_text(first) if first else None

    async def next_wake(self) -> NextWake:
        """The soonest pending row, and the soonest lease to run out."""
        row = await self.db.fetchone(
            f"SELECT (SELECT MIN(next_at) FROM outbox WHERE state = '{PENDING}') AS due, "
            f"(SELECT MIN(lease_until) FROM outbox WHERE state = '{SENDING}') - {self._now} "
            "AS lease_left"
        )
        assert row is not None
        due, left = row["due"], row["lease_left"]
        return NextWake(
            from_text(due) if due else None,
            timedelta(milliseconds=left) if left is not None else None,
        )

    async def claim_due(
        self, now: datetime, limit: int, sending: Sequence[int] = ()
    ) -> list[Delivery]:
        """Claim up to ``limit`` rows, soonest first: rows whose claimant's lease ran out, then
        pending ones due by ``now``. Exactly one claimant gets each row (PostgreSQL: rows
        another process is claiming are skipped, not waited for). ``sending``: rows this
        process is still sending, never claimed again by it (their lease may have run out
        while the database was away)."""
        mine = "".join(f" AND id <> {int(i)}" for i in sending)
        claim = (
            f"UPDATE outbox SET state = '{SENDING}', attempts = attempts + 1, claimed_by = ?, "
            "lease_until = ? WHERE id IN (SELECT id FROM outbox WHERE {} "
            f"ORDER BY next_at LIMIT ?{self._skip_locked}) RETURNING *"
        )
        async with self.db.transaction() as conn:
            # The database's clock read once, so the indexes serve both conditions.
            clock = int(await conn.fetchval(f"SELECT {self._now}"))
            until = clock + self.lease_ms
            rows = await conn.fetchall(
                claim.format(
                    f"state = '{SENDING}' AND (lease_until IS NULL OR lease_until < ?){mine}"
                ),
                (self.claimant, until, clock, limit),
            )
            if len(rows) < limit:
                rows += await conn.fetchall(
                    claim.format(f"state = '{PENDING}' AND next_at <= ?"),
                    (self.claimant, until, to_text(now), limit - len(rows)),
                )
        return sorted((_row(r) for r in rows), key=lambda d: (d.due_at, d.id))

    async def renew(self, ids: list[int]) -> int:
        """Extend this claimant's leases on these rows (still being sent); how many it holds."""
        if not ids:
            return 0
        marks = ",".join("?" * len(ids))
        return await self.db.execute(
            f"UPDATE outbox SET lease_until = {self._now} + ? "
            f"WHERE state = '{SENDING}' AND claimed_by = ? AND id IN ({marks})",
            (self.lease_ms, self.claimant, *ids),
        )

    async def finish(
        self, delivery: Delivery, state: str, at: datetime, error: str | None = None
    ) -> bool:
        """Record the outcome of this claim; False if the row is no longer ours (the lease ran
        out and another claim took it). Running it again after it succeeded changes nothing."""
        changed = await self.db.execute(
            "UPDATE outbox SET state = ?, sent_at = ?, error = ?, lease_until = NULL "
            "WHERE id = ? AND claimed_by = ? AND attempts = ?",
            (state, to_text(at), error, delivery.id, self.claimant, delivery.attempts),
        )
        return changed > 0

    async def retry_at(self, delivery: Delivery, when: datetime, error: str) -> bool:
        """Put this claim's row back for another attempt at ``when``; False if it isn't ours."""
        due = to_text(when)
        async with self.db.transaction() as conn:
            changed = await conn.execute(
                f"UPDATE outbox SET state = '{PENDING}', next_at = ?, error = ?, "
                "lease_until = NULL WHERE id = ? AND claimed_by = ? AND attempts = ?",
                (due, error, delivery.id, self.claimant, delivery.attempts),
            )
            if changed:
                await notify(conn, due)  # were this process to die, another takes it in time
        return changed > 0

    async def release(self) -> int:
        """Hand back the rows this claimant still holds (a clean shutdown cut their sends
        short): pending again at once, for any process; their nonces stop duplicates."""
        async with self.db.transaction() as conn:
            released = await conn.execute(
                f"UPDATE outbox SET state = '{PENDING}', lease_until = NULL "
                f"WHERE state = '{SENDING}' AND claimed_by = ?",
                (self.claimant,),
            )
            if released:
                await notify(conn, "")
        return released
