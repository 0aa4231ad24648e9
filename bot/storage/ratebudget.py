"""The global request budget shared by processes: one row, a schedule of send slots (GCRA).

Each reservation hands out the next free slot, ``step`` after the last one handed out (or now,
if the budget was idle: idle time is not banked) and moves the schedule on by ``step``, in one
statement: the row lock makes concurrent reservations from any number of processes take
distinct slots, ``step`` apart. Times come from the database server's clock
(``clock_timestamp()``), so processes on machines whose clocks disagree still share one
schedule; the caller only gets back how long to wait, a duration. PostgreSQL only.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from bot.storage.db import Database

_NOW_US = "(extract(epoch FROM clock_timestamp()) * 1000000)::bigint"

_RESERVE = f"""
WITH now AS (SELECT {_NOW_US} AS us)
UPDATE rate_budget SET next_us = greatest(rate_budget.next_us, now.us) + $1
FROM now WHERE rate_budget.name = $2
RETURNING rate_budget.next_us - $1 AS slot_us, now.us AS now_us
"""


def budget_name(token: str) -> str:
    """The budget of the bot with ``token``: the same for all its processes, another for
    another bot on the same database. A digest, never the token (the row can be read by
    anyone with the database); a changed token starts a new budget."""
    return "bot-" + hashlib.sha256(token.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Slot:
    """One reserved send slot: when (``at_us``) and when it was handed out (``now_us``), both
    by the database server's clock."""

    at_us: int
    now_us: int

    @property
    def wait(self) -> float:
        """Seconds from the reservation to the slot (0: at once)."""
        return max(0, self.at_us - self.now_us) / 1_000_000


class RateBudget:
    """The shared schedule called ``name`` (one per bot: :func:`budget_name`) in the
    PostgreSQL ``db``.

    Reservations go through a connection of their own, not the pool: a send never waits for a
    connection behind the fan-out's other queries. A connection that failed, or a reservation
    given up half way, is dropped; the next reservation connects again.
    """

    def __init__(self, db: Database, name: str) -> None:
        self.db = db
        self.name = name
        self._conn: Any = None

    async def reserve(self, step_us: int) -> Slot:
        """Take the next free slot and move the schedule on by ``step_us``."""
        import asyncpg

        try:
            if self._conn is None:
                self._conn = await asyncpg.connect(str(self.db.target))
            row = await self._conn.fetchrow(_RESERVE, step_us, self.name)
            if row is None:  # the first reservation ever: make the row, then reserve as usual
                await self._conn.execute(
                    "INSERT INTO rate_budget (name, next_us) VALUES ($1, 0) ON CONFLICT DO NOTHING",
                    self.name,
                )
                row = await self._conn.fetchrow(_RESERVE, step_us, self.name)
        except BaseException:  # an error, or cancelled mid-query: start afresh next time
            self.close()
            raise
        return Slot(int(row["slot_us"]), int(row["now_us"]))

    def close(self) -> None:
        """Drop the connection (at once: nothing on it needs finishing)."""
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.terminate()
