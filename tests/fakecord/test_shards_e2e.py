"""Shards across clients: real discord.py AutoShardedBots against one fake, as several bot
processes would run against one fakecord server."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

import aiohttp
import discord
import pytest
from discord import app_commands
from discord.ext import commands

from fakecord import FakeDiscord, InteractionError, RateLimitPolicy, ShardPolicy, running_bot
from fakecord.faults import BucketRule
from tests.fakecord.conftest import TOKEN

#: What the test bots wait before a repeated IDENTIFY (discord.py waits Discord's 5 s).
PAUSE = 0.2


@app_commands.command(name="where", description="Which shards this client runs")
async def where(interaction: discord.Interaction) -> None:
    client = interaction.client
    assert isinstance(client, commands.AutoShardedBot)
    await interaction.response.send_message(f"shards {sorted(client.shards)}")


class ShardBot(commands.AutoShardedBot):
    """One bot process: the given shards of ``shard_count`` (None: ask /gateway/bot)."""

    def __init__(self, shard_ids: list[int] | None = None, shard_count: int | None = None) -> None:
        super().__init__(
            command_prefix="!",
            intents=discord.Intents.default(),
            shard_ids=shard_ids,
            shard_count=shard_count,
        )

    async def setup_hook(self) -> None:
        self.tree.add_command(where)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """discord.py's documented hook; its default sleeps 5 s before every later IDENTIFY."""
        if not initial:
            await asyncio.sleep(PAUSE)


@contextlib.asynccontextmanager
async def running_shards(
    fake: FakeDiscord, shard_sets: Sequence[list[int]], shard_count: int
) -> AsyncIterator[list[ShardBot]]:
    """One connected ShardBot per shard set, like one bot process each."""
    async with contextlib.AsyncExitStack() as stack:
        bots = [
            await stack.enter_async_context(running_bot(fake, ShardBot(ids, shard_count)))
            for ids in shard_sets
        ]
        yield bots


@dataclass
class World:
    fake: FakeDiscord
    guilds: tuple[int, int]  # one on shard 0 of 2, one on shard 1
    channels: tuple[int, int]
    ada: int


def two_shard_world(fake: FakeDiscord) -> World:
    guilds = (fake.add_guild("Zero", shard=(0, 2)), fake.add_guild("One", shard=(1, 2)))
    channels = (fake.add_channel(guilds[0], "general"), fake.add_channel(guilds[1], "general"))
    ada = fake.add_member(guilds[0], "Ada")
    fake.add_member(guilds[1], "Ada", user_id=ada)
    return World(fake, guilds, channels, ada)


#: Two buckets, so both processes' first IDENTIFY is accepted at once.
TWO_BUCKETS = ShardPolicy(max_concurrency=2, identify_interval=PAUSE)


async def test_each_client_gets_only_the_guilds_of_its_shard() -> None:
    async with FakeDiscord(token=TOKEN, shards=TWO_BUCKETS) as fake:
        world = two_shard_world(fake)
        async with running_shards(fake, [[0], [1]], 2) as (zero, one):
            assert [g.id for g in zero.guilds] == [world.guilds[0]]
            assert [g.id for g in one.guilds] == [world.guilds[1]]


async def test_a_guild_interaction_reaches_the_client_of_its_shard() -> None:
    async with FakeDiscord(token=TOKEN, shards=TWO_BUCKETS) as fake:
        world = two_shard_world(fake)
        async with running_shards(fake, [[0], [1]], 2) as (zero, _):
            await zero.tree.sync()
            handle = await fake.slash(world.guilds[1], world.channels[1], world.ada, "where")
            assert (await handle.response()).content == "shards [1]"


async def test_a_dm_interaction_reaches_only_the_shard_0_client() -> None:
    async with FakeDiscord(token=TOKEN, shards=TWO_BUCKETS) as fake:
        world = two_shard_world(fake)
        async with running_shards(fake, [[1], [0]], 2) as (one, _):
            await one.tree.sync()
            handle = await fake.slash(None, fake.open_dm(world.ada), world.ada, "where")
            assert (await handle.response()).content == "shards [0]"
            (shard_1,) = [s for s in fake.sessions if s.shard == (1, 2)]
            assert not any('"INTERACTION_CREATE"' in text for _, text in shard_1.buffer)


async def test_a_dm_with_no_shard_0_running_is_refused_by_the_driver() -> None:
    async with FakeDiscord(token=TOKEN, shards=TWO_BUCKETS) as fake:
        world = two_shard_world(fake)
        async with running_shards(fake, [[1]], 2) as (one,):
            await one.tree.sync()
            with pytest.raises(InteractionError, match=r"shard 0 \(DMs\)"):
                await fake.slash(None, fake.open_dm(world.ada), world.ada, "where")


async def test_shards_of_one_bucket_identify_an_interval_apart() -> None:
    async with FakeDiscord(token=TOKEN, shards=ShardPolicy(identify_interval=PAUSE)) as fake:
        two_shard_world(fake)
        async with running_bot(fake, ShardBot([0, 1], 2)):
            first, second = fake.identifies
        assert (first.shard, second.shard) == ((0, 2), (1, 2))
        assert first.bucket == second.bucket == 0 and first.accepted and second.accepted
        assert second.at - first.at >= PAUSE


async def test_an_identify_too_soon_gets_invalid_session_and_discordpy_identifies_again() -> None:
    interval = 1.0  # generous, so the bot's first IDENTIFY surely comes too soon
    async with FakeDiscord(token=TOKEN, shards=ShardPolicy(identify_interval=interval)) as fake:
        world = two_shard_world(fake)
        async with aiohttp.ClientSession() as http, http.ws_connect(fake.gateway_url) as ws:
            await ws.receive()  # HELLO
            identify = {"token": TOKEN, "intents": 1, "properties": {}, "shard": [0, 2]}
            await ws.send_json({"op": 2, "d": identify})  # takes bucket 0 for `interval`
            await fake.wait_until(lambda: len(fake.identifies) == 1)
            async with running_bot(fake, ShardBot([1], 2)) as one:
                assert [g.id for g in one.guilds] == [world.guilds[1]]
        outcomes = [i.outcome for i in fake.identifies if i.shard == (1, 2)]
        assert outcomes[0] == "rate limited" and outcomes[-1] == "ready"
        first, last = (i for i in fake.identifies if i.accepted)
        assert last.at - first.at >= interval


async def test_an_autosharded_bot_starts_the_shards_gateway_bot_recommends() -> None:
    policy = ShardPolicy(guilds_per_recommended_shard=1, identify_interval=PAUSE)
    async with FakeDiscord(token=TOKEN, shards=policy) as fake:
        world = two_shard_world(fake)
        async with running_bot(fake, ShardBot()) as bot:
            assert bot.shard_count == 2
            assert sorted(g.id for g in bot.guilds) == sorted(world.guilds)


async def test_a_shard_beyond_the_shard_count_closes_with_4010() -> None:
    async with FakeDiscord(token=TOKEN) as fake:
        with pytest.raises(discord.ConnectionClosed) as info:
            async with running_bot(fake, ShardBot([2], 2)):
                pass
        assert info.value.code == 4010
        assert [i.outcome for i in fake.identifies] == ["invalid shard"]


async def test_too_many_guilds_on_one_shard_closes_with_4011() -> None:
    async with FakeDiscord(token=TOKEN, shards=ShardPolicy(max_guilds_per_shard=1)) as fake:
        two_shard_world(fake)
        with pytest.raises(discord.ConnectionClosed) as info:
            async with running_bot(fake, ShardBot([0], 1)):
                pass
        assert info.value.code == 4011


async def test_two_clients_of_one_token_share_the_global_rate_limit() -> None:
    # Each client alone stays within 3 requests a second; together they go over.
    policy = RateLimitPolicy(global_per_second=3, buckets=[], default=BucketRule(100, 1.0))
    async with FakeDiscord(token=TOKEN, shards=TWO_BUCKETS, rate_limits=policy) as fake:
        world = two_shard_world(fake)
        async with running_shards(fake, [[0], [1]], 2) as bots:
            await asyncio.sleep(1.0)  # a fresh global window after login
            sends = [
                bot.get_channel(channel).send(f"hi {n}")  # type: ignore[union-attr]
                for bot, channel in zip(bots, world.channels, strict=True)
                for n in range(3)
            ]
            await asyncio.gather(*sends)
        assert fake.global_429s > 0
        assert [len(fake.channel_posts(c)) for c in world.channels] == [3, 3]
