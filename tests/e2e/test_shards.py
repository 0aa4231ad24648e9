"""Shards: each process runs the shards it is given, answers its servers' members from the shared
database, takes turns to IDENTIFY with the other processes, and only shard 0's syncs commands."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import discord

from bot.app import WatchpartyBot, create_bot
from fakecord import FakeDiscord, ShardPolicy, running_bot
from fakecord.clock import ShiftedClock
from fakecord.state import DISCORD_EPOCH_MS
from tests.databases import postgres_only
from tests.e2e.conftest import T0, TOKEN, Server, build_server, make_settings

SEED = "lost in starlight"
INTERVAL = 0.5  # seconds between a bucket's IDENTIFYs in these tests
#: The fake enforces the same interval (max_concurrency 1): an IDENTIFY too soon is refused.
SHARD_RULES = ShardPolicy(identify_interval=INTERVAL - 0.05)
SLACK = 0.1  # the fake stamps frames as they arrive, a little after each turn was granted


def shard_of(guild_id: int, count: int) -> int:
    return (guild_id >> 22) % count


def server_on_shard(fake: FakeDiscord, shard: int, count: int) -> Server:
    """The test server, with its guild on ``shard`` of ``count``. The fake's ids are timestamps,
    so wait for the start of a millisecond whose ids land there (a miss, when building crosses
    into the next millisecond, leaves a spare server on another shard and tries again)."""
    while True:
        ms = int(time.time() * 1000)
        while (
            int(time.time() * 1000) == ms
            or (int(time.time() * 1000) - DISCORD_EPOCH_MS) % count != shard
        ):
            time.sleep(0.0002)
        server = build_server(fake)
        if shard_of(server.guild, count) == shard:
            return server


def seen_guilds(bot: discord.Client) -> list[int | None]:
    """The servers of the interactions ``bot`` receives, in order."""
    seen: list[int | None] = []

    async def on_interaction(interaction: discord.Interaction) -> None:
        seen.append(interaction.guild_id)

    bot.add_listener(on_interaction)
    return seen


@contextlib.asynccontextmanager
async def processes(
    fake: FakeDiscord,
    tmp_path: Path,
    clock: ShiftedClock,
    *shard_ids: tuple[int, ...] | None,
    count: int,
) -> AsyncIterator[list[WatchpartyBot]]:
    """One bot per entry of ``shard_ids``, all on the test's database, started together."""
    bots = [
        await create_bot(
            make_settings(tmp_path, shard_count=count, shard_ids=ids, identify_interval=INTERVAL),
            clock,
        )
        for ids in shard_ids
    ]
    async with contextlib.AsyncExitStack() as stack:
        for bot in bots:
            stack.push_async_callback(close_unstarted, bot)
        await asyncio.gather(*(stack.enter_async_context(running_bot(fake, b)) for b in bots))
        yield bots


async def close_unstarted(bot: WatchpartyBot) -> None:
    if not bot.is_closed():
        await bot.close()


def identify_times(fake: FakeDiscord) -> list[float]:
    return sorted(f.received_at for f in fake.gateway_frames if f.op == 2)


def gaps(times: list[float]) -> list[float]:
    return [b - a for a, b in zip(times, times[1:], strict=False)]


async def film_info(fake: FakeDiscord, server: Server) -> Any:
    handle = await fake.slash(
        server.guild, server.general, server["Ada"], "film info", {"title": SEED}
    )
    return await handle.response(timeout=5)


# --- one process, several shards (both engines) ---------------------------------------------


async def test_one_process_runs_every_shard_and_answers_each_server(tmp_path: Path) -> None:
    clock = ShiftedClock(T0)
    async with FakeDiscord(token=TOKEN, clock=clock.now, shards=SHARD_RULES) as fake:
        servers = [server_on_shard(fake, shard, 2) for shard in (0, 1)]
        async with processes(fake, tmp_path, clock, None, count=2) as [bot]:
            seen = seen_guilds(bot)
            for server in servers:
                assert (await film_info(fake, server)).embeds
            assert sorted(s.shard for s in fake.sessions) == [(0, 2), (1, 2)]
        assert seen == [s.guild for s in servers]


async def test_shards_of_one_process_identify_an_interval_apart(tmp_path: Path) -> None:
    clock = ShiftedClock(T0)
    async with FakeDiscord(token=TOKEN, clock=clock.now, shards=SHARD_RULES) as fake:
        async with processes(fake, tmp_path, clock, None, count=3):
            times = identify_times(fake)
    assert len(times) == 3
    assert all(gap >= INTERVAL - SLACK for gap in gaps(times))
    assert [r.outcome for r in fake.identifies] == ["ready"] * 3


# --- several processes (PostgreSQL) ---------------------------------------------------------


@postgres_only
async def test_each_process_answers_the_servers_on_its_shards(tmp_path: Path) -> None:
    clock = ShiftedClock(T0)
    async with FakeDiscord(token=TOKEN, clock=clock.now, shards=SHARD_RULES) as fake:
        servers = [server_on_shard(fake, shard, 2) for shard in (0, 1)]
        async with processes(fake, tmp_path, clock, (0,), (1,), count=2) as bots:
            seen = [seen_guilds(bot) for bot in bots]
            for server in servers:
                assert (await film_info(fake, server)).embeds
            assert [[g.id for g in bot.guilds] for bot in bots] == [[s.guild] for s in servers]
        assert seen == [[servers[0].guild], [servers[1].guild]]


@postgres_only
async def test_only_the_process_with_shard_zero_syncs_commands(tmp_path: Path) -> None:
    clock = ShiftedClock(T0)
    commands = "/applications/{id}/commands"
    async with FakeDiscord(token=TOKEN, clock=clock.now, shards=SHARD_RULES) as fake:
        async with processes(fake, tmp_path, clock, (1,), count=2):
            assert fake.requests_matching("PUT", commands) == []
            async with processes(fake, tmp_path, clock, (0,), count=2):
                assert len(fake.requests_matching("PUT", commands)) == 1
        assert fake.commands()


@postgres_only
async def test_processes_starting_together_identify_an_interval_apart(tmp_path: Path) -> None:
    clock = ShiftedClock(T0)
    async with FakeDiscord(token=TOKEN, clock=clock.now, shards=SHARD_RULES) as fake:
        # Discord's max_concurrency is 1 here: every shard is in bucket 0.
        async with processes(fake, tmp_path, clock, (0,), (1,), (2,), count=3):
            times = identify_times(fake)
    assert len(times) == 3
    assert all(gap >= INTERVAL - SLACK for gap in gaps(times))
    assert [r.outcome for r in fake.identifies] == ["ready"] * 3


@postgres_only
async def test_a_server_owner_on_another_process_is_asked_of_discord(tmp_path: Path) -> None:
    clock = ShiftedClock(T0)
    async with FakeDiscord(token=TOKEN, clock=clock.now, shards=SHARD_RULES) as fake:
        elsewhere = server_on_shard(fake, 0, 2)
        async with processes(fake, tmp_path, clock, (0,), (1,), count=2) as [_, bot]:
            assert bot.get_guild(elsewhere.guild) is None
            assert await bot.owner_of(elsewhere.guild) == elsewhere.owner
