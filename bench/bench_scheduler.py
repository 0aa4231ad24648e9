"""Outbox scheduler benchmarks (issue 3).

(a) Lateness: 10,000 deliveries due within one minute, sent by the real bot (create_bot, its
    scheduler and discord.py) to the loopback Discord with no rate limiting. Lateness is the
    fake's receive time minus the due time. Target: p99 <= 100 ms, 0 duplicates, 0 missing.
(b) Start-up: a database holding 100,000 pending deliveries; a fresh process runs create_bot and
    scheduler.start until the scheduler has armed its timer for the soonest row ("ready to fire").
    Target: <= 3 s from process start, resident memory <= 300 MB.

The design being measured: one APScheduler date job for the soonest due row (not one job per
row); the worker claims due rows in batches through a partial index on pending rows, so start-up
reads one MIN(next_at) however many rows wait, and memory does not grow with the backlog.

Run ``python -m bench.bench_scheduler [--quick]``; the bench runner calls :func:`run`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench import database, env_for, outbox_counts
from bot.app import create_bot
from bot.config import load_settings
from bot.scheduler import Outgoing
from bot.storage import outbox
from bot.storage.db import open_database
from fakecord import FakeDiscord

KIND = "bench"
TOKEN = "bench-token-0123456789"


def _settings(target: Path | str, **env: str):
    return load_settings({"DISCORD_TOKEN": TOKEN, **env_for(target), **env}, env_file=None)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


# ------------------------------------------------------------------------------ (a) lateness

ROOT = Path(__file__).resolve().parent.parent


async def _seed_lateness(
    db_path: Path | str, count: int, first: datetime, spread: float, channel_ids: list[int]
) -> dict[str, float]:
    """Queue ``count`` bench deliveries evenly over ``spread`` seconds; nonce -> due (epoch s)."""
    db = await open_database(db_path)
    try:
        step = spread / max(1, count - 1)
        rows = [
            (KIND, 0, first + timedelta(seconds=i * step), {"c": channel_ids[i % len(channel_ids)]})
            for i in range(count)
        ]
        async with db.transaction() as conn:
            await outbox.add_many(conn, rows)
        found = await db.fetchall("SELECT id, due_at FROM outbox WHERE kind = ?", (KIND,))
        return {f"wp{r['id']}.0": outbox.from_text(r["due_at"]).timestamp() for r in found}
    finally:
        await db.close()


async def _bot_child(api_base: str, gateway: str, db_path: str) -> None:
    """The real bot in its own process (as it runs for real): create_bot, a handler for the
    bench rows, no global throttle; runs until SIGTERM."""
    import signal

    import discord.gateway
    import discord.http
    import yarl

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s: %(message)s")
    discord.http.Route.BASE = api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)
    # "No rate limiting": lift the bot's own global throttle (48/s, see bot.ratelimit) to
    # measure the scheduler, not Discord's limits (on PostgreSQL each send still takes its slot
    # from the shared budget, as in production).
    bot = await create_bot(_settings(db_path, GLOBAL_RATE_LIMIT="1000000"))

    async def build(delivery, late: bool) -> list[Outgoing]:
        return [Outgoing(f"bench {delivery.id}", channel_id=delivery.data["c"])]

    bot.scheduler.register(KIND, build)
    bot._connection.guild_ready_timeout = 0.05
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with bot:
        runner = asyncio.create_task(bot.start(TOKEN))
        await asyncio.wait(
            {runner, asyncio.create_task(stop.wait())}, return_when=asyncio.FIRST_COMPLETED
        )
        await bot.close()
        await asyncio.gather(runner, return_exceptions=True)


async def lateness(count: int = 10_000, spread: float = 60.0, channels: int = 10) -> dict[str, Any]:
    """Queue ``count`` deliveries evenly over ``spread`` seconds and measure when each arrives.

    The loopback Discord runs here and the bot in a child process, as Discord and a bot do:
    lateness = the fake's receive time - the due time (one machine, one wall clock).
    """
    lead = 8.0  # the child starts, connects and arms its timer before the first row is due
    with tempfile.TemporaryDirectory() as tmp:
        db_path = database(Path(tmp) / "db.sqlite3")
        async with FakeDiscord(token=TOKEN, interaction_timeout=None) as fake:
            guild = fake.add_guild("Bench")
            channel_ids = [fake.add_channel(guild, f"pings-{n}") for n in range(channels)]
            first = datetime.now(UTC) + timedelta(seconds=lead)
            due = await _seed_lateness(db_path, count, first, spread, channel_ids)
            env = {
                **os.environ,
                "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
            }
            child = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bench.bench_scheduler",
                "--bot-child",
                fake.api_base,
                fake.gateway_url,
                str(db_path),
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
            )
            try:
                await fake.wait_until(lambda: fake.gateway.connected, timeout=lead)
                connected_before_first = first.timestamp() - time.time()
                deadline = time.monotonic() + lead + spread + 30
                posted = fake._message_log  # grows as messages arrive
                while len(posted) < count and time.monotonic() < deadline:  # noqa: ASYNC110
                    await asyncio.sleep(0.2)
                await asyncio.sleep(0.5)  # let any duplicate show up
            finally:
                child.terminate()
                await asyncio.wait_for(child.wait(), 20)
            received: dict[str, list[float]] = {}
            for message in fake._message_log:
                if message.origin == "channel" and message.nonce in due:
                    received.setdefault(str(message.nonce), []).append(message.created_at)
            sends = Counter(
                str((r.json or {}).get("nonce"))
                for r in fake.requests_matching("POST", "/channels/{id}/messages")
                if r.status == 200 and (r.json or {}).get("nonce") in due
            )
        db = await open_database(db_path)
        try:
            states = {
                r["state"]: r["n"]
                for r in await db.fetchall("SELECT state, COUNT(*) AS n FROM outbox GROUP BY state")
            }
        finally:
            await db.close()
    late_ms = [(times[0] - due[nonce]) * 1000 for nonce, times in received.items()]
    result = {
        "deliveries": count,
        "spread_s": spread,
        "bot_ready_s_before_first_due": round(connected_before_first, 2),
        "received": len(received),
        "missing": count - len(received),
        "duplicates": sum(n - 1 for n in sends.values() if n > 1)
        + sum(len(t) - 1 for t in received.values() if len(t) > 1),
        "early": sum(1 for ms in late_ms if ms < 0),
        "lateness_ms_median": round(statistics.median(late_ms), 2) if late_ms else None,
        "lateness_ms_p99": round(_percentile(late_ms, 0.99), 2) if late_ms else None,
        "lateness_ms_max": round(max(late_ms), 2) if late_ms else None,
        "states": states,
    }
    result["ok"] = (
        result["missing"] == 0
        and result["duplicates"] == 0
        and result["early"] == 0
        and (result["lateness_ms_p99"] or 1e9) <= 100
    )
    return result


# ------------------------------------------------------------------------------ (b) start-up


async def _seed(db_path: Path | str, pending: int) -> None:
    """A database with ``pending`` future deliveries (start pings of parties that don't exist)."""
    db = await open_database(db_path)
    try:
        start = datetime.now(UTC) + timedelta(minutes=10)
        rows = [("party_start", i, start + timedelta(seconds=i), {}) for i in range(pending)]
        for at in range(0, pending, 20_000):
            async with db.transaction() as conn:
                await outbox.add_many(conn, rows[at : at + 20_000])
    finally:
        await db.close()


def _status_mb(field: str) -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _rss_mb() -> float:
    return _status_mb("VmRSS")


def _peak_rss_mb() -> float:
    # VmHWM, not getrusage: Linux carries ru_maxrss across exec, so a child would report the
    # parent's peak at fork time.
    return _status_mb("VmHWM")


async def _startup_child(db_path: str) -> None:
    """In a fresh process: create_bot + scheduler.start until armed; print timings as JSON."""
    logging.disable(logging.INFO)
    imported = time.time()
    bot = await create_bot(_settings(db_path))
    created = time.time()
    await bot.scheduler.start()
    while bot.scheduler.armed_for is None:  # noqa: ASYNC110 - polling a property
        await asyncio.sleep(0.001)
    ready = time.time()
    counts = await outbox_counts(bot.db)
    rss, peak = _rss_mb(), _peak_rss_mb()
    await bot.scheduler.stop()
    await bot.db.close()
    print(
        json.dumps(
            {
                "imported": imported,
                "created": created,
                "ready": ready,
                "rss_mb": rss,
                "peak_rss_mb": peak,
                "pending": counts.get("pending", 0),
                "armed_for": bot.scheduler.armed_for.isoformat()
                if bot.scheduler.armed_for
                else None,
            }
        )
    )


def startup(pending: int = 100_000) -> dict[str, Any]:
    """Time a fresh process from its start to "ready to fire" over ``pending`` waiting rows."""
    with tempfile.TemporaryDirectory() as tmp:
        db_path = database(Path(tmp) / "db.sqlite3")
        asyncio.run(_seed(db_path, pending))
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        }
        began = time.time()
        done = subprocess.run(
            [sys.executable, "-m", "bench.bench_scheduler", "--startup-child", str(db_path)],
            capture_output=True,
            text=True,
            check=True,
            env=env,
            cwd=ROOT,
        )
        child = json.loads(done.stdout.strip().splitlines()[-1])
    result = {
        "pending": child["pending"],
        "ready_s": round(child["ready"] - began, 3),  # process start -> armed
        "imports_s": round(child["imported"] - began, 3),
        "create_bot_s": round(child["created"] - child["imported"], 3),
        "scheduler_start_s": round(child["ready"] - child["created"], 3),
        "rss_mb": round(child["rss_mb"], 1),
        "peak_rss_mb": round(child["peak_rss_mb"], 1),
    }
    result["ok"] = (
        result["pending"] == pending and result["ready_s"] <= 3.0 and result["peak_rss_mb"] <= 300
    )
    return result


# ------------------------------------------------------------------------------ entry points


def run(quick: bool = False) -> dict[str, Any]:
    """Both benchmarks; ``quick`` shortens (a) to 2,000 deliveries over 10 s and (b) to 20,000."""
    logging.getLogger("discord").setLevel(logging.WARNING)
    a = asyncio.run(lateness(2_000, 10.0) if quick else lateness())
    b = startup(20_000 if quick else 100_000)
    return {"cpu_count": os.cpu_count(), "quick": quick, "lateness": a, "startup": b}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run (not the target)")
    parser.add_argument("--startup-child", metavar="DB", help=argparse.SUPPRESS)
    parser.add_argument(
        "--bot-child", nargs=3, metavar=("API", "GATEWAY", "DB"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.bot_child:
        asyncio.run(_bot_child(*args.bot_child))
        return
    if args.startup_child:
        asyncio.run(_startup_child(args.startup_child))
        return
    logging.basicConfig(level=logging.WARNING)
    result = run(quick=args.quick)
    a, b = result["lateness"], result["startup"]
    print(f"cores: {result['cpu_count']}{' (quick mode)' if args.quick else ''}")
    print(
        f"(a) {a['deliveries']} deliveries over {a['spread_s']:.0f} s: lateness median "
        f"{a['lateness_ms_median']} ms, p99 {a['lateness_ms_p99']} ms, max {a['lateness_ms_max']} ms; "
        f"missing {a['missing']}, duplicates {a['duplicates']}, early {a['early']} "
        f"-> {'OK' if a['ok'] else 'MISSED TARGET'} (p99 <= 100 ms)"
    )
    print(
        f"(b) {b['pending']} pending: ready to fire {b['ready_s']} s after process start "
        f"(imports {b['imports_s']} s, create_bot {b['create_bot_s']} s, scheduler start "
        f"{b['scheduler_start_s']} s), RSS {b['rss_mb']} MB (peak {b['peak_rss_mb']} MB) "
        f"-> {'OK' if b['ok'] else 'MISSED TARGET'} (<= 3 s, <= 300 MB)"
    )
    print(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    main()
