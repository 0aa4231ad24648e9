"""The sandbox's demo server."""

from __future__ import annotations

from fakecord import Perm
from tests.fakecord.sandbox_helpers import Demo


async def test_demo_world_shape(demo: Demo) -> None:
    fake, world, bot = demo
    guild = bot.get_guild(world.guild_id)
    assert guild is not None and guild.name == "Movie Night"
    assert {c.name for c in guild.channels} == {"general", "Watch Party", "announcements"}
    assert set(world.members) == {"Ada", "Bruno", "Chiara", "Dae-jung", "Mina"}
    managers = {
        name
        for name, uid in world.members.items()
        if fake.world.guild_permissions(world.guild_id, uid) & Perm.MANAGE_GUILD
    }
    assert managers == {"Mina"}  # so permission-gated commands can be tried, and refused
