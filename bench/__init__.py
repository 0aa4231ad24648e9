"""Benchmarks: one command runs them all and writes bench/RESULTS.md."""

from __future__ import annotations

from bot.storage.db import Database


async def outbox_counts(db: Database) -> dict[str, int]:
    """How many outbox rows are in each state: ``{"sent": 1, "late": 2}``."""
    rows = await db.fetchall("SELECT state, COUNT(*) AS n FROM outbox GROUP BY state")
    return {r["state"]: r["n"] for r in rows}
