"""The shared slot schedule on a real PostgreSQL: two databases stand for two processes."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.storage.db import open_database
from bot.storage.ratebudget import RateBudget
from tests.databases import fresh_database, postgres_only

BUDGET = "test-bot"


@postgres_only
async def test_two_processes_take_distinct_slots_a_step_apart(tmp_path: Path) -> None:
    target = fresh_database(tmp_path)
    first, second = await open_database(target), await open_database(target)
    budgets = [RateBudget(first, BUDGET), RateBudget(second, BUDGET)]
    try:
        step = 5_000  # 5 ms: reservations come faster than that, so the schedule runs ahead

        async def reserve_many(budget: RateBudget) -> list[int]:
            return [(await budget.reserve(step)).at_us for _ in range(20)]

        both = await asyncio.gather(*(reserve_many(b) for b in budgets))
        times = sorted(both[0] + both[1])
        assert all(b - a >= step for a, b in zip(times, times[1:], strict=False))
    finally:
        for budget in budgets:
            budget.close()
        await first.close()
        await second.close()


@postgres_only
async def test_an_idle_budget_hands_out_the_present_then_queues(tmp_path: Path) -> None:
    db = await open_database(fresh_database(tmp_path))
    try:
        budget = RateBudget(db, BUDGET)
        step = 60_000_000  # a minute: the second reservation surely comes within it
        now = await budget.reserve(step)
        assert now.wait == 0 and now.at_us == now.now_us
        later = await budget.reserve(step)
        assert later.at_us == now.at_us + step
        assert 59 < later.wait <= 60
        budget.close()
    finally:
        await db.close()


@postgres_only
async def test_budgets_with_different_names_do_not_share(tmp_path: Path) -> None:
    db = await open_database(fresh_database(tmp_path))
    try:
        step = 60_000_000
        one, other = RateBudget(db, "one"), RateBudget(db, "other")
        await one.reserve(step)
        assert (await other.reserve(step)).wait == 0
        one.close()
        other.close()
    finally:
        await db.close()
