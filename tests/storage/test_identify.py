"""The IDENTIFY schedule: one turn per bucket per interval, over every process of the bot."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.storage.db import Database, open_database
from bot.storage.identify import identify_schedule
from tests.databases import fresh_database, postgres_only

SHORT = 0.2  # seconds between a bucket's turns in tests that wait for them
LONG = 600.0  # a wait no test could sit through: a turn granted at all was granted at once


def spaced(grants: list[float]) -> list[float]:
    ordered = sorted(grants)
    return [later - earlier for earlier, later in zip(ordered, ordered[1:], strict=False)]


async def test_turns_of_one_bucket_are_an_interval_apart(db: Database) -> None:
    schedule = identify_schedule(db)
    grants = await asyncio.gather(*(schedule.turn(0, SHORT) for _ in range(3)))
    assert all(gap >= SHORT for gap in spaced(list(grants)))


async def test_other_buckets_do_not_wait(db: Database) -> None:
    schedule = identify_schedule(db)
    await schedule.turn(0, LONG)
    await asyncio.wait_for(schedule.turn(1, LONG), timeout=10)


@postgres_only
async def test_processes_take_turns_in_a_bucket(tmp_path: Path) -> None:
    target = fresh_database(tmp_path)
    first, second = await open_database(target), await open_database(target)
    try:
        a, b = identify_schedule(first), identify_schedule(second)
        grants = await asyncio.gather(a.turn(0, SHORT), b.turn(0, SHORT), a.turn(0, SHORT))
        assert all(gap >= SHORT for gap in spaced(list(grants)))
    finally:
        await first.close()
        await second.close()


@postgres_only
async def test_a_process_started_later_waits_for_the_last_turn(tmp_path: Path) -> None:
    target = fresh_database(tmp_path)
    earlier = await open_database(target)
    try:
        granted = await identify_schedule(earlier).turn(0, SHORT)
    finally:
        await earlier.close()
    later = await open_database(target)
    try:
        assert await identify_schedule(later).turn(0, SHORT) - granted >= SHORT
    finally:
        await later.close()


@postgres_only
async def test_processes_in_other_buckets_do_not_wait(tmp_path: Path) -> None:
    target = fresh_database(tmp_path)
    first, second = await open_database(target), await open_database(target)
    try:
        await identify_schedule(first).turn(0, LONG)
        await asyncio.wait_for(identify_schedule(second).turn(1, LONG), timeout=10)
    finally:
        await first.close()
        await second.close()
