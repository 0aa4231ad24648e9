"""Fixtures: a started and installed fake, a small world, and a connected MiniBot; or the
sandbox's demo server with a connected MiniBot (``demo``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from fakecord import ChannelType, FakeDiscord, build_demo_world, running_bot
from tests.fakecord.minibot import MiniBot
from tests.fakecord.sandbox_helpers import Demo

TOKEN = "test-token-abc"


@dataclass
class Ids:
    guild: int
    general: int
    voice: int
    ada: int
    bruno: int


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(token=TOKEN) as fake:
        yield fake


@pytest.fixture
def ids(fake: FakeDiscord) -> Ids:
    guild = fake.add_guild("Movie Night")
    return Ids(
        guild=guild,
        general=fake.add_channel(guild, "general"),
        voice=fake.add_channel(guild, "Watch Party", ChannelType.VOICE),
        ada=fake.add_member(guild, "Ada"),
        bruno=fake.add_member(guild, "Bruno"),
    )


@pytest.fixture
async def bot(fake: FakeDiscord, ids: Ids) -> AsyncIterator[MiniBot]:
    async with running_bot(fake, MiniBot()) as bot:
        await bot.tree.sync()
        yield bot


@pytest.fixture
async def demo() -> AsyncIterator[Demo]:
    async with FakeDiscord() as fake:
        world = build_demo_world(fake)
        async with running_bot(fake, MiniBot()) as bot:
            await bot.tree.sync()
            yield fake, world, bot
