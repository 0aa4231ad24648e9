"""/config: a server's default zone and announce channel (Manage Server)."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot import render
from bot.app import WatchpartyBot
from cogs.options import Zone, require_postable


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class AdminCog(commands.GroupCog, group_name="config"):
    """Server settings: default zone and where announcements go."""

    def __init__(self, bot: WatchpartyBot) -> None:
        self.bot = bot

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        # default_permissions is only a default admins can override: check for real too.
        if not interaction.permissions.manage_guild:
            raise app_commands.MissingPermissions(["manage_guild"])
        return True

    @app_commands.command(name="timezone", description="Set the server's default time zone")
    @app_commands.describe(zone="Used for members who have not set their own zone")
    async def timezone(self, interaction: discord.Interaction, zone: Zone) -> None:
        assert interaction.guild_id is not None
        await self.bot.premieres.set_guild_settings(interaction.guild_id, zone=zone.key)
        await interaction.response.send_message(
            render.guild_zone_set(zone, self.bot.clock.now()), ephemeral=True
        )

    @app_commands.command(
        name="announce", description="Set the channel for announcements and pings"
    )
    @app_commands.describe(channel="Where watch parties and premiere pings are posted by default")
    async def announce(
        self, interaction: discord.Interaction, channel: discord.TextChannel
    ) -> None:
        assert interaction.guild_id is not None
        require_postable(channel, interaction.guild.me if interaction.guild else None)
        await self.bot.premieres.set_guild_settings(
            interaction.guild_id, announce_channel_id=channel.id
        )
        await interaction.response.send_message(
            f"Announcements will go to {channel.mention}.", ephemeral=True
        )

    @app_commands.command(name="show", description="Show this server's settings")
    async def show(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        current = await self.bot.preferences.guild(interaction.guild_id)
        await interaction.response.send_message(render.guild_settings(current), ephemeral=True)


async def setup(bot: WatchpartyBot) -> None:
    await bot.add_cog(AdminCog(bot))
