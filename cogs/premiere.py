"""/premiere: follow a film and be pinged the moment it is out in your own zone."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain.when import format_duration, parse_duration
from bot.errors import BadOption
from bot.render import premieres as view
from bot.render import timestamp
from bot.storage import settings
from bot.storage.outbox import from_text
from cogs.options import FilmArg
from cogs.watchparty import Postable, can_post


@app_commands.guild_only()
class PremiereCog(commands.GroupCog, group_name="premiere"):
    """Premiere pings at each member's local premiere time."""

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @property
    def service(self):
        return self.bot.premieres  # type: ignore[attr-defined]

    @staticmethod
    def _require_manage_guild(interaction: discord.Interaction) -> None:
        if not interaction.permissions.manage_guild:
            raise app_commands.MissingPermissions(["manage_guild"])

    @app_commands.command(
        name="follow", description="Get pinged when a film comes out, in your own time"
    )
    @app_commands.describe(
        film="The film to follow", dm="Ping me by direct message instead of in the channel"
    )
    async def follow(
        self, interaction: discord.Interaction, film: FilmArg, dm: bool = False
    ) -> None:
        result = await self.service.follow(
            guild_id=interaction.guild_id,
            user_id=interaction.user.id,
            film=film,
            dm=dm,
            channel_id=interaction.channel_id,
        )
        zone = await settings.get_user_zone(self.bot.db, interaction.user.id)
        await interaction.response.send_message(
            view.followed(film, result.first_ping, zone, dm), ephemeral=True
        )

    @app_commands.command(name="unfollow", description="Stop following a film's premiere")
    @app_commands.describe(film="The film to unfollow")
    async def unfollow(self, interaction: discord.Interaction, film: FilmArg) -> None:
        done = await self.service.unfollow(
            guild_id=interaction.guild_id, user_id=interaction.user.id, film=film
        )
        text = (
            f"You no longer follow **{film.title}**."
            if done
            else f"You weren't following **{film.title}** here."
        )
        await interaction.response.send_message(text, ephemeral=True)

    @app_commands.command(name="list", description="Films this server follows, with the next ping")
    async def list_(self, interaction: discord.Interaction) -> None:
        rows = await self.service.summary(interaction.guild_id)
        if not rows:
            await interaction.response.send_message(
                "This server follows no premieres. Try `/premiere follow`.", ephemeral=True
            )
            return
        lines = []
        for title, count, due in rows:
            nxt = f"next ping {timestamp(from_text(due))}" if due else "no pings left"
            lines.append(f"• **{title}**: {count} follower{'s' if count != 1 else ''}, {nxt}")
        await interaction.response.send_message("\n".join(lines)[:2000], ephemeral=True)

    @app_commands.command(
        name="channel", description="Where a film's premiere pings go (Manage Server)"
    )
    @app_commands.describe(film="The film", channel="The channel for its pings")
    async def channel(
        self, interaction: discord.Interaction, film: FilmArg, channel: Postable
    ) -> None:
        self._require_manage_guild(interaction)
        if not can_post(channel, interaction.guild.me if interaction.guild else None):
            raise BadOption(
                f"I can't post in {channel.mention}. Give me **View Channel** and **Send Messages** there."
            )
        await self.service.set_channel(
            guild_id=interaction.guild_id, film=film, channel_id=channel.id
        )
        await interaction.response.send_message(
            f"**{film.title}** premiere pings will go to {channel.mention}.", ephemeral=True
        )

    @app_commands.command(
        name="remind", description="A heads-up before the premiere, e.g. 1h (Manage Server)"
    )
    @app_commands.describe(film="The film", lead="How long before, e.g. 1h or 30m; 'off' for none")
    async def remind(
        self, interaction: discord.Interaction, film: FilmArg, lead: app_commands.Range[str, 1, 20]
    ) -> None:
        self._require_manage_guild(interaction)
        off = lead.strip().casefold() in {"off", "none", "0"}
        delta = None if off else parse_duration(lead)
        if delta is not None and delta.days > 30:
            raise BadOption("A heads-up can be at most 30 days before the premiere.")
        await self.service.set_heads_up(
            guild_id=interaction.guild_id, film=film, lead=delta, channel_id=interaction.channel_id
        )
        text = (
            "No heads-up before the premiere."
            if off
            else f"Followers get a heads-up {format_duration(delta)} before **{film.title}** comes out."
        )
        await interaction.response.send_message(text, ephemeral=True)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(PremiereCog(bot))
