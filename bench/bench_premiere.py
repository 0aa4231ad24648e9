"""Premiere fan-out benchmark: one global premiere, 1,000 servers, 20,000 followers.

Through the loopback Discord enforcing Discord's limits (50 requests/s global, 5 messages per
5 s per channel): 1,000 servers, each with a ping channel and 20 followers spread over 8 zones,
follow *Lost in Starlight* (30 May 2025 07:00 UTC). The database is seeded in bulk (follows and
zones by SQL through the storage layer), but the ping plan is computed by the real service code
(``Premieres.replan``). The bot's clock is set just before the instant, and the fake's records
tell what arrived when:

* last ping delivered vs the rate-limit floor (messages ÷ 50/s), target ≤ 1.10 × the floor;
* first ping ≤ 250 ms after the instant;
* 0 duplicates, 0 missing: every channel gets its message once, every follower is mentioned
  exactly once (counted from the messages the fake created, not from what the bot believes).

Three runs: ``clean``; ``5xx`` with 5% of message sends answered 500; ``kill`` with the bot in a
child process (bench/premiere_bot.py) SIGKILLed in the middle of the fan-out and restarted on
the same database.

Run ``python -m bench.bench_premiere [--servers N] [--only clean,5xx,kill]``; the lead's runner
calls :func:`run`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench import database, env_for, outbox_counts
from bot.app import create_bot
from bot.config import DEFAULT_FILMS_DIR, load_settings
from bot.ratelimit import DEFAULT_RATE
from bot.scheduler import Scheduler
from bot.services.premieres import Premieres
from bot.services.settings import Preferences
from bot.storage import premieres as premiere_store
from bot.storage.db import open_database
from bot.storage.films import sync_films
from bot.storage.filmstore import FilmStore
from bot.storage.outbox import to_text
from fakecord import FakeDiscord, RateLimitPolicy, StoredMessage, running_bot
from fakecord.clock import ShiftedClock

FILM = "lost-in-starlight"
OUT = datetime(2025, 5, 30, 7, 0, tzinfo=UTC)
DISCORD_GLOBAL_RATE = 50
ZONES = (
    "America/Los_Angeles",
    "America/New_York",
    "America/Sao_Paulo",
    "Europe/London",
    "Europe/Berlin",
    "Asia/Kolkata",
    "Asia/Seoul",
    "Australia/Sydney",
)
TOKEN = "bench-premiere-token"
ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Server:
    guild: int
    channel: int
    followers: tuple[int, ...]


@dataclass
class Tally:
    """Every message the fake created in a ping channel, as it happens."""

    channels: set[int]
    posts: list[StoredMessage] = field(default_factory=list)
    mentions: int = 0

    def __call__(self, message: StoredMessage, what: str) -> None:
        if what == "create" and message.origin == "channel" and message.channel_id in self.channels:
            self.posts.append(message)
            users = (message.sent.get("allowed_mentions") or {}).get("users") or []
            self.mentions += len(users)


def build_world(fake: FakeDiscord, servers: int, followers: int) -> list[Server]:
    world = []
    for n in range(servers):
        guild = fake.add_guild(f"Server {n}")
        channel = fake.add_channel(guild, "premieres")
        members = tuple(fake.add_member(guild, f"fan-{n}-{i}") for i in range(followers))
        world.append(Server(guild, channel, members))
    return world


async def seed(db_path: Path | str, films_dir: Path, world: list[Server], now: datetime) -> float:
    """Follows and zones in bulk; the plan through the real service. Returns seconds taken."""
    started = time.perf_counter()
    db = await open_database(db_path)
    try:
        report = await sync_films(db, films_dir)
        assert not report.errors, report.summary()
        films = await FilmStore.open(db)
        clock = ShiftedClock(now)

        async def never(*_: Any) -> None:  # this scheduler is never started
            raise AssertionError

        premieres = Premieres(db, films, clock, Scheduler(db, clock, never), Preferences(db))
        async with db.transaction() as conn:
            await conn.executemany(
                "INSERT INTO user_zones (user_id, zone, updated_at) VALUES (?, ?, ?)",
                [
                    (uid, ZONES[i % len(ZONES)], to_text(now))
                    for server in world
                    for i, uid in enumerate(server.followers)
                ],
            )
            for server in world:
                premiere = await premiere_store.ensure(conn, server.guild, FILM, server.channel)
                await conn.executemany(
                    "INSERT INTO follows (premiere_id, user_id, dm, created_at) VALUES (?, ?, 0, ?)",
                    [(premiere.id, uid, to_text(now)) for uid in server.followers],
                )
                planned = await premieres.replan(conn, premiere.id)
                assert len(planned) == 1 and planned[0].due == OUT
    finally:
        await db.close()
    return time.perf_counter() - started


def check(world: list[Server], tally: Tally, real_instant: float) -> dict[str, Any]:
    """Duplicates and missing pings from the fake's records; timings against the instant."""
    by_channel: dict[int, list[StoredMessage]] = {s.channel: [] for s in world}
    for message in tally.posts:
        by_channel[message.channel_id].append(message)
    duplicates = missing = extra_messages = empty_channels = 0
    for server in world:
        posts = by_channel[server.channel]
        if not posts:
            empty_channels += 1
        counts: Counter[int] = Counter()
        nonces: Counter[str] = Counter()
        for message in posts:
            users = [int(u) for u in (message.sent.get("allowed_mentions") or {}).get("users", [])]
            assert all(f"<@{u}>" in message.content for u in users)
            counts.update(users)
            nonces[str(message.sent.get("nonce"))] += 1
        extra_messages += sum(n - 1 for n in nonces.values())
        duplicates += sum(n - 1 for n in counts.values() if n > 1)
        missing += sum(1 for uid in server.followers if counts[uid] == 0)
        stray = set(counts) - set(server.followers)
        duplicates += len(stray)  # someone pinged who does not follow here
    times = sorted(m.created_at - real_instant for m in tally.posts)
    messages = len(tally.posts)
    floor = messages / DISCORD_GLOBAL_RATE
    return {
        "messages": messages,
        "first_ping_s": round(times[0], 4) if times else None,
        "last_ping_s": round(times[-1], 3) if times else None,
        "floor_s": round(floor, 3),
        "ratio": round(times[-1] / floor, 4) if times else None,
        "duplicates": duplicates + extra_messages,
        "missing": missing,
        "channels_without_ping": empty_channels,
    }


def request_stats(fake: FakeDiscord, since: float) -> dict[str, Any]:
    posts = [
        r
        for r in fake.requests
        if r.received_at >= since and r.matches("POST", "/channels/{channel_id}/messages")
    ]
    statuses = Counter(r.status for r in posts)
    per_second = Counter(
        int(r.received_at - since) for r in fake.requests if r.received_at >= since
    )
    return {
        "post_requests": len(posts),
        "answered_5xx": sum(n for s, n in statuses.items() if s >= 500),
        "answered_429": statuses.get(429, 0),
        "fake_rate_limited": fake.rate_limiter.limited if fake.rate_limiter else 0,
        "peak_requests_in_a_second": max(per_second.values(), default=0),
    }


async def wait_for(tally: Tally, expected: int, timeout: float) -> None:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while tally.mentions < expected and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.02)


# --- in-process runs: clean and with 5xx ---------------------------------------------------------


async def run_in_process(
    tmp: Path, servers: int, followers: int, *, fail_rate: float = 0.0
) -> dict[str, Any]:
    clock = ShiftedClock(OUT - timedelta(hours=1))
    async with FakeDiscord(token=TOKEN, rate_limits=RateLimitPolicy(), clock=clock.now) as fake:
        world = build_world(fake, servers, followers)
        target = database(tmp / "db.sqlite3")
        seed_s = await seed(target, DEFAULT_FILMS_DIR, world, clock.now())
        tally = Tally({s.channel for s in world})
        fake.messages.listeners.append(tally)
        settings = load_settings({"DISCORD_TOKEN": TOKEN, **env_for(target)}, env_file=None)
        bot = await create_bot(settings, clock)
        async with running_bot(fake, bot, ready_timeout=60):
            if fail_rate:
                fake.fail(
                    500,
                    "POST",
                    "/channels/{channel_id}/messages",
                    times=None,
                    probability=fail_rate,
                )
            await asyncio.sleep(1.0)  # let start-up traffic leave the fake's one-second window
            clock.set(OUT - timedelta(seconds=1))
            real_instant = time.time() + (OUT - clock.now()).total_seconds()
            expected = servers * followers
            await wait_for(tally, expected, timeout=10 + 3 * servers / DISCORD_GLOBAL_RATE)
            await asyncio.sleep(1.5)  # anything arriving now would be a duplicate
            outbox = await outbox_counts(bot.db)
        result = check(world, tally, real_instant)
        result.update(request_stats(fake, real_instant - 0.5))
    result.update({"outbox": outbox, "seed_s": round(seed_s, 2)})
    return result


# --- a crash in the middle: the bot in a child process ------------------------------------------


def start_child(
    fake: FakeDiscord, target: Path | str, offset: float, log: Path, *extra: str
) -> subprocess.Popen:
    """The bot in a child process (bench/premiere_bot.py) on database ``target``; ``extra``:
    more arguments (its shards)."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bench.premiere_bot",
            "--api-base",
            fake.api_base,
            "--gateway",
            fake.gateway_url,
            "--token",
            TOKEN,
            "--db",
            str(target),
            "--films-dir",
            str(DEFAULT_FILMS_DIR),
            "--offset",
            repr(offset),
            *extra,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("ab"),
    )


@contextlib.contextmanager
def reaped(children: list[subprocess.Popen]) -> Iterator[None]:
    try:
        yield
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGINT)
                try:
                    child.wait(10)
                except subprocess.TimeoutExpired:
                    child.kill()
                    child.wait()


async def run_killed(
    tmp: Path, servers: int, followers: int, *, kill_at: float = 0.4, lead: float = 6.0
) -> dict[str, Any]:
    """SIGKILL the bot once ``kill_at`` of the channels have their ping; start it again."""
    log = tmp / "bot.log"
    async with FakeDiscord(token=TOKEN, rate_limits=RateLimitPolicy()) as fake:
        world = build_world(fake, servers, followers)
        target = database(tmp / "db.sqlite3")
        seed_s = await seed(target, DEFAULT_FILMS_DIR, world, OUT - timedelta(hours=1))
        tally = Tally({s.channel for s in world})
        fake.messages.listeners.append(tally)
        # The bot's clock reaches the instant ``lead`` seconds from now: time to start and connect.
        real_instant = time.time() + lead
        offset = (OUT - datetime.fromtimestamp(real_instant, UTC)).total_seconds()
        children: list[subprocess.Popen] = []
        with reaped(children):
            children.append(start_child(fake, target, offset, log))
            await fake.wait_until(lambda: fake.gateway.connected, timeout=lead)
            ready_before_instant = real_instant - time.time()
            await fake.wait_until(lambda: len(tally.posts) >= kill_at * servers, timeout=60 + lead)
            children[0].send_signal(signal.SIGKILL)
            children[0].wait()
            killed_at = time.time() - real_instant
            delivered_before_kill = len(tally.posts)
            children.append(start_child(fake, target, offset, log))
            expected = servers * followers
            await wait_for(tally, expected, timeout=30 + 3 * servers / DISCORD_GLOBAL_RATE)
            await asyncio.sleep(2.0)  # anything arriving now would be a duplicate
        result = check(world, tally, real_instant)
        result.update(request_stats(fake, real_instant - 0.5))
        resent = [
            r
            for r in fake.requests
            if r.matches("POST", "/channels/{channel_id}/messages") and r.status == 200
        ]
        result["deduplicated_resends"] = len(resent) - len(tally.posts)
    db = await open_database(target)
    try:
        outbox = await outbox_counts(db)
    finally:
        await db.close()
    result.update(
        {
            "killed_at_s": round(killed_at, 3),
            "delivered_before_kill": delivered_before_kill,
            "bot_ready_before_instant_s": round(ready_before_instant, 2),
            "outbox": outbox,
            "seed_s": round(seed_s, 2),
        }
    )
    return result


# --- entry points ---------------------------------------------------------------------------------

SCENARIOS = ("clean", "5xx", "kill")


async def _run(servers: int, followers: int, only: tuple[str, ...]) -> dict[str, Any]:
    results: dict[str, Any] = {
        "servers": servers,
        "followers": servers * followers,
        "zones": len(ZONES),
        "throttle_per_second": DEFAULT_RATE,
        "cpu_count": os.cpu_count(),
    }
    for name in only:
        with tempfile.TemporaryDirectory(prefix=f"bench-premiere-{name}-") as tmp:
            if name == "clean":
                results[name] = await run_in_process(Path(tmp), servers, followers)
            elif name == "5xx":
                results[name] = await run_in_process(Path(tmp), servers, followers, fail_rate=0.05)
            elif name == "kill":
                results[name] = await run_killed(Path(tmp), servers, followers)
            else:
                raise ValueError(f"unknown scenario {name!r}; pick from {', '.join(SCENARIOS)}")
    return results


def run(
    servers: int = 1000, followers: int = 20, only: tuple[str, ...] = SCENARIOS
) -> dict[str, Any]:
    """Run the scenarios and return their measurements."""
    return asyncio.run(_run(servers, followers, only))


def _print(result: dict[str, Any], indent: str = "") -> None:
    for key, value in result.items():
        if isinstance(value, dict) and key != "outbox":
            print(f"{indent}{key}:")
            _print(value, indent + "  ")
        else:
            print(f"{indent}{key:>28}: {value}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--servers", type=int, default=1000)
    parser.add_argument("--followers", type=int, default=20)
    parser.add_argument("--only", default=",".join(SCENARIOS))
    args = parser.parse_args()
    _print(run(args.servers, args.followers, tuple(args.only.split(","))))


if __name__ == "__main__":
    main()
