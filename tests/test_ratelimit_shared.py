"""The global budget shared by processes, on a real PostgreSQL: two ``open_database`` of one
target stand for two processes of the bot. Assertions count grants (by the database server's
clock for shared slots), never durations."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import asyncpg
import discord
import pytest
from aiohttp import web

from bot.ratelimit import (
    GlobalLimiter,
    Reserved,
    SharedLimiter,
    bulk,
    make_limiter,
    throttle_trace,
)
from bot.storage.db import POSTGRESQL, Database, open_database
from bot.storage.ratebudget import RateBudget, budget_name
from fakecord import BucketRule, FakeDiscord, RateLimitPolicy
from tests.databases import POSTGRES_URL, fresh_database, postgres_only

BUDGET = "test-bot"


class Recording(SharedLimiter):
    """Notes the slot behind each grant, and when this process let the waiter go."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.grants: list[tuple[Reserved, float]] = []

    def _granted(self, slot: Reserved) -> None:
        self.grants.append((slot, asyncio.get_running_loop().time()))

    @property
    def shared_slots(self) -> list[int]:
        """Microseconds, by the database server's clock."""
        return [s.shared.at_us for s, _ in self.grants if s.shared is not None]

    @property
    def local_slots(self) -> list[int]:
        """Microseconds, by this process's clock (the fallback schedule)."""
        return [round(s.at * 1e6) for s, _ in self.grants if s.shared is None]


def most_in_a_window(times_us: list[int], per: float) -> int:
    """The most grants in any ``per`` seconds (1 µs of slack for the local clock's rounding)."""
    window = round(per * 1e6) - 1
    return max(sum(1 for t in times_us if start <= t < start + window) for start in times_us)


@pytest.fixture
async def processes(tmp_path: Path) -> AsyncIterator[tuple[Database, Database]]:
    """Two databases on one target: two processes of the bot."""
    target = fresh_database(tmp_path)
    first, second = await open_database(target), await open_database(target)
    yield first, second
    await first.close()
    await second.close()


async def test_postgres_shares_the_budget_and_sqlite_keeps_it_in_process(tmp_path: Path) -> None:
    db = await open_database(fresh_database(tmp_path))
    try:
        limiter = make_limiter(db, 50, token="shared-budget")
        kind = SharedLimiter if db.engine == POSTGRESQL else GlobalLimiter
        assert isinstance(limiter, kind)
        assert limiter.rate == 48  # a margin under Discord's 50
        await limiter.close()
    finally:
        await db.close()


@postgres_only
async def test_two_processes_together_stay_within_the_rate(
    processes: tuple[Database, Database],
) -> None:
    limiters = [Recording(RateBudget(db, BUDGET), rate=20, per=0.2) for db in processes]
    await asyncio.gather(*(lim.acquire() for _ in range(30) for lim in limiters))
    slots = sorted(t for lim in limiters for t in lim.shared_slots)
    assert len(slots) == 60  # every grant was a shared slot: the database was there
    assert len(set(slots)) == 60
    assert most_in_a_window(slots, 0.2) <= 20
    assert all(lim.grants for lim in limiters)  # both processes had their turns
    for lim in limiters:
        assert all(granted >= slot.at for slot, granted in lim.grants)  # never early
        await lim.close()


@postgres_only
async def test_urgent_requests_go_before_queued_bulk_ones(
    processes: tuple[Database, Database],
) -> None:
    limiter = SharedLimiter(RateBudget(processes[0], BUDGET), rate=20, per=0.2)
    order: list[str] = []
    first_granted = asyncio.Event()

    async def take(name: str, *, in_bulk: bool) -> None:
        if in_bulk:
            with bulk():
                await limiter.acquire()
        else:
            await limiter.acquire()
        order.append(name)
        first_granted.set()

    tasks = [asyncio.create_task(take(f"bulk{i}", in_bulk=True)) for i in range(6)]
    await first_granted.wait()  # the first bulk request has its slot: the rest queue behind it
    tasks.append(asyncio.create_task(take("command", in_bulk=False)))
    await asyncio.gather(*tasks)
    # At most the slot already reserved ahead for the bulk lane goes before the command.
    assert order.index("command") <= 2
    await limiter.close()


@postgres_only
async def test_exempt_routes_never_wait(processes: tuple[Database, Database]) -> None:
    answered: list[str] = []
    first_arrived = asyncio.Event()

    async def handler(request: web.Request) -> web.Response:
        answered.append(request.path)
        first_arrived.set()
        return web.json_response({})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    base = f"http://127.0.0.1:{runner.addresses[0][1]}/api/v10"
    limiter = SharedLimiter(RateBudget(processes[0], BUDGET), rate=10, per=1.0)
    try:
        async with aiohttp.ClientSession(trace_configs=[throttle_trace(limiter)]) as session:

            async def post(path: str) -> None:
                async with session.post(base + path) as response:
                    assert response.status == 200

            queued = [asyncio.create_task(post("/channels/1/messages")) for _ in range(10)]
            await first_arrived.wait()  # the other nine are queued for their slots
            await post("/interactions/1/token/callback")
            assert limiter.queued > 0  # the REST requests are still waiting their turns
            assert answered[-1].endswith("/callback")
            for task in queued:
                task.cancel()
            await limiter.close()
    finally:
        await runner.cleanup()


@postgres_only
async def test_a_slow_answer_is_waited_for_not_a_reason_to_go_local(
    processes: tuple[Database, Database], caplog: pytest.LogCaptureFixture
) -> None:
    db, other = processes
    limiter = Recording(RateBudget(db, BUDGET), rate=50, per=0.5, fallback_rate=5, retry=0.3)
    await limiter.acquire()  # the budget's row exists
    caplog.set_level(logging.INFO, logger="bot.ratelimit")
    async with other.transaction() as conn:  # holds the row: reservations wait for the lock
        await conn.execute("SELECT next_us FROM rate_budget FOR UPDATE")
        waiting = asyncio.gather(*(limiter.acquire() for _ in range(4)))
        await asyncio.sleep(1.5)  # far longer than a reservation takes, within the timeout
        assert not waiting.done()  # the queue holds for the answer
    await asyncio.wait_for(waiting, 10)
    assert limiter.shared
    assert all(slot.shared is not None for slot, _ in limiter.grants)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    await limiter.close()


@postgres_only
async def test_without_the_database_only_urgent_requests_go_on_at_the_fallback_rate(
    processes: tuple[Database, Database], caplog: pytest.LogCaptureFixture
) -> None:
    db, other = processes
    limiter = Recording(RateBudget(db, BUDGET), rate=50, per=0.5, fallback_rate=5, retry=0.2)
    await limiter.acquire()  # the budget's row exists
    caplog.set_level(logging.INFO, logger="bot.ratelimit")
    await other.execute(
        "ALTER TABLE rate_budget RENAME TO rate_budget_away"
    )  # every reservation fails

    async def bulk_acquire() -> None:
        with bulk():
            await limiter.acquire()

    held = [asyncio.create_task(bulk_acquire()) for _ in range(3)]
    await asyncio.wait_for(asyncio.gather(*(limiter.acquire() for _ in range(8))), 10)
    assert not limiter.shared
    stuck = limiter.local_slots
    assert len(stuck) == 8  # members' requests went on without the database
    assert most_in_a_window(stuck, 0.5) <= 5  # at the fallback rate, not the full one
    assert not any(task.done() for task in held)  # scheduled bulk waits for the database

    await other.execute("ALTER TABLE rate_budget_away RENAME TO rate_budget")
    await asyncio.wait_for(asyncio.gather(*held), 10)
    assert limiter.shared
    assert all(slot.shared is not None for slot, _ in limiter.grants[-3:])
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "can't be reached" in warnings[0].getMessage()
    assert any("is back" in r.getMessage() for r in caplog.records)
    await limiter.close()


@postgres_only
async def test_after_the_database_is_back_slots_follow_the_other_processes(
    processes: tuple[Database, Database],
) -> None:
    db, other = processes
    away = Recording(RateBudget(db, BUDGET), rate=20, per=0.2, fallback_rate=5, retry=0.1)
    stayed = Recording(RateBudget(other, BUDGET), rate=20, per=0.2)
    await away.acquire()
    away.budget.close()  # its next reservation connects again ...
    await other.execute("ALTER TABLE rate_budget RENAME TO rate_budget_away")
    await away.acquire()  # ... and fails: on the fallback
    await other.execute("ALTER TABLE rate_budget_away RENAME TO rate_budget")
    await asyncio.gather(*(stayed.acquire() for _ in range(10)))  # the others go on
    while not away.shared:
        await away.acquire()
    slots = sorted(away.shared_slots + stayed.shared_slots)
    assert len(set(slots)) == len(slots)
    assert most_in_a_window(slots, 0.2) <= 20  # one schedule again, no burst on return
    await away.close()
    await stayed.close()


def test_each_bot_has_a_budget_of_its_own_named_without_its_token() -> None:
    one, again, other = (budget_name(t) for t in ("token-one.x", "token-one.x", "token-two.y"))
    assert one == again  # every process of a bot shares one
    assert one != other  # two bots on one database don't
    assert "token" not in one + other


@postgres_only
async def test_sending_goes_on_when_the_server_drops_the_connections(tmp_path: Path) -> None:
    # Named, so that only this process's connections are dropped (tests run side by side).
    name = f"ratelimit-{secrets.token_hex(4)}"
    db = await open_database(f"{fresh_database(tmp_path)}&application_name={name}")
    limiter = Recording(RateBudget(db, BUDGET), rate=50, fallback_rate=5, retry=0.2)
    try:
        await limiter.acquire()
        conn = await asyncpg.connect(POSTGRES_URL)
        try:
            dropped = await conn.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE application_name = $1",
                name,
            )
        finally:
            await conn.close()
        assert dropped >= 1
        # The pool reconnects, or the local rate covers the gap: either way all are let go.
        await asyncio.wait_for(asyncio.gather(*(limiter.acquire() for _ in range(10))), 10)
        assert len(limiter.grants) == 11
        while limiter.grants[-1][0].shared is None:  # and it comes back to the shared budget
            await limiter.acquire()
    finally:
        await limiter.close()
        await db.close()


@postgres_only
async def test_two_bots_against_discords_global_limit_get_no_429(
    processes: tuple[Database, Database],
) -> None:
    policy = RateLimitPolicy(global_per_second=50, buckets=[], default=BucketRule(1000, 1.0))
    async with FakeDiscord(token="shared-budget", rate_limits=policy) as fake:
        guild = fake.add_guild("Busy")
        limiters = [make_limiter(db, 50, token="shared-budget") for db in processes]
        bots = [
            discord.Client(intents=discord.Intents.none(), http_trace=throttle_trace(lim))
            for lim in limiters
        ]
        try:
            for bot in bots:
                await bot.login(fake.token)
            await asyncio.gather(*(bot.fetch_guild(guild) for _ in range(40) for bot in bots))
        finally:
            for bot, lim in zip(bots, limiters, strict=True):
                await bot.close()
                await lim.close()
        assert fake.rate_limiter is not None and fake.rate_limiter.limited == 0
        fetched = fake.requests_matching("GET", "/guilds/{guild_id}")
        assert len(fetched) == 80  # more than one second's worth of Discord's limit
