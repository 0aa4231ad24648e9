"""Premiere fan-out across processes: 4 bot processes, each owning 1 of 4 shards, one PostgreSQL.

5,000 servers, each with a ping channel and 20 followers spread over 8 zones (100,000
followers), follow *Lost in Starlight* (one global instant). Four bot processes
(bench/premiere_bot.py with ``SHARD_COUNT=4``, ``SHARD_IDS=n``) share the database: any of them
may deliver any ping (outbox rows claimed under leases), and together they must stay under the
bot's one global limit, which the loopback Discord enforces across all their connections
(50 requests/s per token, 5 messages/5 s per channel). From the fake's records:

* last ping vs the floor (messages ÷ 50/s): ≤ 1.10 ×; first ping ≤ 250 ms after the instant;
* 0 duplicates, 0 missing (every follower mentioned exactly once), 0 global 429s;
* ``kill``: one process SIGKILLed in the middle of the fan-out and not restarted: still 0
  duplicates and 0 missing; the rows it held are sent by the others within 15 s.

PostgreSQL only (``python -m bench shards``; ``python -m bench.bench_shards`` alone needs
``BENCH_DATABASE_SERVER=postgresql://…``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench import POSTGRES, database, outbox_counts
from bench.bench_premiere import (
    DEFAULT_FILMS_DIR,
    DISCORD_GLOBAL_RATE,
    OUT,
    TOKEN,
    ZONES,
    Tally,
    build_world,
    check,
    reaped,
    request_stats,
    seed,
    start_child,
    wait_for,
)
from bot.storage.db import open_database
from fakecord import FakeDiscord, RateLimitPolicy

#: Seconds from starting the processes to the instant: each IDENTIFY bucket takes one shard per
#: 5 s (max_concurrency 1), so four shards need 15 s to connect, plus start-up.
LEAD = 30.0


async def _held_rows(target: str) -> dict[str, dict[int, int]]:
    """The rows being sent right now: claimant -> {row id: lease expiry}."""
    db = await open_database(target)
    try:
        rows = await db.fetchall(
            "SELECT id, claimed_by, lease_until FROM outbox "
            "WHERE state = 'sending' AND claimed_by IS NOT NULL"
        )
    finally:
        await db.close()
    held: dict[str, dict[int, int]] = {}
    for row in rows:
        held.setdefault(row["claimed_by"], {})[row["id"]] = row["lease_until"]
    return held


async def run_sharded(
    tmp: Path, servers: int, followers: int, processes: int, *, kill: bool
) -> dict[str, Any]:
    log = tmp / "bots.log"
    async with FakeDiscord(token=TOKEN, rate_limits=RateLimitPolicy()) as fake:
        world = build_world(fake, servers, followers)
        target = str(database(tmp / "db.sqlite3"))
        seed_s = await seed(target, DEFAULT_FILMS_DIR, world, OUT - timedelta(hours=1))
        tally = Tally({s.channel for s in world})
        fake.messages.listeners.append(tally)
        real_instant = time.time() + LEAD
        offset = (OUT - datetime.fromtimestamp(real_instant, UTC)).total_seconds()
        children = []
        result: dict[str, Any] = {}
        with reaped(children):
            for shard in range(processes):
                shards = ("--shard-count", str(processes), "--shard-ids", str(shard))
                children.append(start_child(fake, target, offset, log, *shards))
            await fake.wait_until(
                lambda: sum(1 for s in fake.gateway.sessions.values() if s.connection) >= processes,
                timeout=LEAD,
            )
            result["all_shards_ready_before_instant_s"] = round(real_instant - time.time(), 2)
            expected = servers * followers
            if kill:
                await fake.wait_until(lambda: len(tally.posts) >= 0.4 * servers, timeout=LEAD + 120)
                # Kill the process holding the most rows being sent (its claimant names its pid).
                held = await _held_rows(target)
                claimant = max(held, key=lambda c: len(held[c])) if held else None
                pid = int(claimant.split(":")[1]) if claimant else children[1].pid
                victim = next(c for c in children if c.pid == pid)
                victim.send_signal(signal.SIGKILL)
                victim.wait()
                killed_at = time.time()
                delivered_before = len(tally.posts)
                stuck = set((await _held_rows(target)).get(claimant or "", {}))
                result.update(
                    killed_at_s=round(killed_at - real_instant, 3),
                    delivered_before_kill=delivered_before,
                    rows_held_by_the_killed_process=len(stuck),
                )
            await wait_for(tally, expected, timeout=60 + 3 * servers / DISCORD_GLOBAL_RATE)
            await asyncio.sleep(2.0)  # anything arriving now would be a duplicate
        result.update(check(world, tally, real_instant))
        result.update(request_stats(fake, real_instant - 0.5))
        result["global_429s"] = getattr(fake, "global_429s", None)
        if kill:
            result["held_rows_resent_within_s"] = _resent_within(fake, stuck, killed_at)
    db = await open_database(target)
    try:
        result["outbox"] = await outbox_counts(db)
    finally:
        await db.close()
    result["seed_s"] = round(seed_s, 2)
    return result


def _resent_within(fake: FakeDiscord, held: set[int], killed_at: float) -> float | None:
    """Seconds from the kill until the last row the dead process held was sent again (by its
    nonce: a row it had sent but not marked is sent again and Discord keeps the first)."""
    nonces = {f"wp{rid}" for rid in held}
    times = [
        r.received_at - killed_at
        for r in fake.requests
        if r.received_at >= killed_at
        and r.matches("POST", "/channels/{channel_id}/messages")
        and str((r.json or {}).get("nonce")).partition(".")[0] in nonces
    ]
    return round(max(times), 2) if times else None


SCENARIOS = ("clean", "kill")


async def _run(
    servers: int, followers: int, processes: int, only: tuple[str, ...]
) -> dict[str, Any]:
    if POSTGRES is None:
        raise SystemExit("bench_shards runs on PostgreSQL: python -m bench shards")
    results: dict[str, Any] = {
        "servers": servers,
        "followers": servers * followers,
        "zones": len(ZONES),
        "processes": processes,
        "cpu_count": os.cpu_count(),
    }
    for name in only:
        with tempfile.TemporaryDirectory(prefix=f"bench-shards-{name}-") as tmp:
            results[name] = await run_sharded(
                Path(tmp), servers, followers, processes, kill=name == "kill"
            )
    return results


def run(
    servers: int = 5000, followers: int = 20, processes: int = 4, only: tuple[str, ...] = SCENARIOS
) -> dict[str, Any]:
    """Run the scenarios and return their measurements."""
    return asyncio.run(_run(servers, followers, processes, only))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--servers", type=int, default=5000)
    parser.add_argument("--followers", type=int, default=20)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--only", default=",".join(SCENARIOS))
    args = parser.parse_args()
    print(run(args.servers, args.followers, args.processes, tuple(args.only.split(","))))


if __name__ == "__main__":
    main()
