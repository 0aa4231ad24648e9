"""Benchmarks: one command runs them all and writes bench/RESULTS.md."""

from __future__ import annotations

import asyncio
import hashlib
import os
import threading
from pathlib import Path

from bot.storage.db import Database, is_postgres_url

#: Set by ``python -m bench`` for a PostgreSQL run: the server to make each database on.
POSTGRES = os.environ.get("BENCH_DATABASE_SERVER", "").strip() or None
ENGINE = "postgresql" if POSTGRES else "sqlite"

_made: dict[str, str] = {}


def database(path: Path) -> Path | str:
    """The database a benchmark calls ``path``: that SQLite file, or on a PostgreSQL run a
    database of its own, empty the first time (the same one each time, in every process, the
    same path is named)."""
    if POSTGRES is None:
        return path
    key = str(path)
    if key not in _made:
        from bench.pg import fresh_database

        # Named after the path (a fresh temporary folder per run): every process of the
        # benchmark that names the path gets the same database.
        name = f"bench_{path.stem}_{hashlib.blake2b(key.encode(), digest_size=6).hexdigest()}"
        result: list[str] = []
        thread = threading.Thread(
            target=lambda: result.append(asyncio.run(fresh_database(POSTGRES, name)))
        )
        thread.start()
        thread.join()
        _made[key] = result[0]
    return _made[key]


def env_for(target: Path | str) -> dict[str, str]:
    """The bot's environment for a database: an SQLite file or a PostgreSQL URL."""
    return {"DATABASE_URL" if is_postgres_url(str(target)) else "DATABASE_PATH": str(target)}


async def outbox_counts(db: Database) -> dict[str, int]:
    """How many outbox rows are in each state: ``{"sent": 1, "late": 2}``."""
    rows = await db.fetchall("SELECT state, COUNT(*) AS n FROM outbox GROUP BY state")
    return {r["state"]: r["n"] for r in rows}
