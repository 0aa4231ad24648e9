"""When a shard may IDENTIFY: Discord allows one IDENTIFY per bucket (``shard_id %
max_concurrency``) every 5 seconds, over all of a bot's processes.

On PostgreSQL the processes share the schedule: a row per bucket, locked ``FOR UPDATE`` while
one process reads and stamps its last IDENTIFY by the database's clock (one clock for every
machine). SQLite runs in one process, so its schedule lives in memory.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import defaultdict

from bot.storage.db import POSTGRESQL, Database


class IdentifySchedule:
    """Takes turns per bucket; :meth:`turn` returns when this process may IDENTIFY."""

    async def turn(self, bucket: int, interval: float) -> float:
        """Wait until ``bucket`` last identified at least ``interval`` seconds ago, then claim
        the bucket's turn. Returns when the turn was granted, in seconds on the schedule's
        clock (differences between grants are what matter)."""
        raise NotImplementedError


class LocalSchedule(IdentifySchedule):
    """One process (SQLite): a lock and the last grant per bucket, on the monotonic clock."""

    def __init__(self) -> None:
        self._last: dict[int, float] = {}
        self._locks: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def turn(self, bucket: int, interval: float) -> float:
        async with self._locks[bucket]:  # waiters of a bucket go one after another
            wait = self._last.get(bucket, -math.inf) + interval - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            self._last[bucket] = granted = time.monotonic()
            return granted


class SharedSchedule(IdentifySchedule):
    """Every process of the bot (PostgreSQL): the bucket's row in ``identify_buckets``."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def turn(self, bucket: int, interval: float) -> float:
        while True:
            async with self.db.transaction() as conn:
                await conn.execute(
                    "INSERT INTO identify_buckets (bucket, identified_at) VALUES (?, 0) "
                    "ON CONFLICT (bucket) DO NOTHING",
                    (bucket,),
                )
                last = await conn.fetchval(
                    "SELECT identified_at FROM identify_buckets WHERE bucket = ? FOR UPDATE",
                    (bucket,),
                )
                # Read the clock only once the row is ours: the lock may have taken a while.
                now = await conn.fetchval(
                    "SELECT CAST(extract(epoch FROM clock_timestamp()) AS DOUBLE PRECISION)"
                )
                wait = last + interval - now
                if wait <= 0:
                    await conn.execute(
                        "UPDATE identify_buckets SET identified_at = ? WHERE bucket = ?",
                        (now, bucket),
                    )
                    return float(now)
            # Not yet: let go of the row (others may read it) and look again when it is due.
            await asyncio.sleep(wait)


def identify_schedule(db: Database) -> IdentifySchedule:
    """The schedule for ``db``'s engine: shared on PostgreSQL, in memory on SQLite."""
    return SharedSchedule(db) if db.engine == POSTGRESQL else LocalSchedule()
