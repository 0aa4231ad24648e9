"""Fixtures: a started and installed fake, a small world, and a connected MiniBot."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from fakecord import ChannelType, FakeDiscord, running_bot
from tests.fakecord.minibot import MiniBot

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
