"""/premiere: follow a film and be pinged the moment it is out in your own zone."""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import WatchpartyBot
from bot.domain import releases
from bot.domain.films import Film
from bot.domain.premieres import parse_heads_up
from bot.domain.when import OFF, format_duration, is_off
from bot.render import premieres as view
from cogs.options import FilmArg, can_post, ours, require_postable

log = logging.getLogger(__name__)

PingChannel = discord.TextChannel | discord.Thread | discord.VoiceChannel


@app_commands.guild_only()
class PremiereCog(commands.GroupCog, group_name="premiere"):
    """Premiere pings at each member's local premiere time."""

    def __init__(self, bot: WatchpartyBot) -> None:
        self.bot = bot
        self.service = bot.premieres

    async def cog_load(self) -> None:
        # Loaded in setup_hook, after the film files were re-read and before the scheduler
        # starts: pings planned from release dates that have since changed are re-planned.
        await self.service.refresh_plans()

    @app_commands.command(
        name="follow", description="Get pinged when a film comes out, in your own time"
    )
    @app_commands.describe(
        film="The film to follow",
        dm="Ping me by direct message instead of in the channel",
        release="In cinemas or streaming (default: whichever comes first where you are)",
    )
    @app_commands.choices(
        release=[
            app_commands.Choice(name="In cinemas", value=releases.CINEMA),
            app_commands.Choice(name="Streaming", value=releases.STREAMING),
        ]
    )
    async def follow(
        self,
        interaction: discord.Interaction,
        film: FilmArg,
        dm: bool = False,
        release: app_commands.Choice[str] | None = None,
    ) -> None:
        text = await follow_and_tell(
            interaction, film, dm=dm, release=release.value if release else None
        )
        await interaction.response.send_message(text, ephemeral=True)

    @app_commands.command(name="unfollow", description="Stop following a film's premiere")
    @app_commands.describe(film="The film to unfollow")
    async def unfollow(self, interaction: discord.Interaction, film: FilmArg) -> None:
        assert interaction.guild_id is not None
        done = await self.service.unfollow(
            guild_id=interaction.guild_id, user_id=interaction.user.id, film=film
        )
        text = (
            f"You no longer follow **{film.shown_title}**: no ping for you."
            if done
            else f"You weren't following **{film.shown_title}** here."
        )
        await interaction.response.send_message(text, ephemeral=True)

    @app_commands.command(name="list", description="Films this server follows, with the next ping")
    async def list_(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        items = await self.service.summary(interaction.guild_id, interaction.user.id)
        await interaction.response.send_message(view.server_list(items), ephemeral=True)

    @app_commands.command(
        name="channel", description="Where a film's premiere pings go (Manage Server)"
    )
    @app_commands.describe(film="The film", channel="The channel for its pings")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def channel(
        self, interaction: discord.Interaction, film: FilmArg, channel: PingChannel
    ) -> None:
        assert interaction.guild_id is not None
        require_postable(channel, interaction.guild.me if interaction.guild else None)
        await self.service.set_channel(
            guild_id=interaction.guild_id,
            film=film,
            channel_id=channel.id,
            set_by=interaction.user.id,
        )
        await interaction.response.send_message(
            f"**{film.shown_title}** premiere pings will go to {channel.mention}.", ephemeral=True
        )

    @app_commands.command(
        name="remind", description="A heads-up before the premiere, e.g. 1h (Manage Server)"
    )
    @app_commands.describe(
        film="The film", lead=f"How long before, e.g. 1h or 30m; '{OFF}' for none"
    )
    @app_commands.checks.has_permissions(manage_guild=True)
    async def remind(
        self, interaction: discord.Interaction, film: FilmArg, lead: app_commands.Range[str, 1, 20]
    ) -> None:
        assert interaction.guild_id is not None and interaction.channel_id is not None
        delta = None if is_off(lead) else parse_heads_up(lead)
        await self.service.set_heads_up(
            guild_id=interaction.guild_id, film=film, lead=delta, channel_id=interaction.channel_id
        )
        text = (
            f"No heads-up before **{film.shown_title}** comes out."
            if delta is None
            else f"Followers get a heads-up {format_duration(delta)} before **{film.shown_title}** "
            "comes out (unless that falls in their quiet hours)."
        )
        await interaction.response.send_message(text, ephemeral=True)

    # The bot has no privileged intents, so it is never told that a member left a server; it
    # is told when it leaves one itself, and when a channel is deleted.
    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        await self.service.forget_guild(guild.id)

    @commands.Cog.listener()
    async def on_guild_channel_delete(self, channel: discord.abc.GuildChannel) -> None:
        await self.service.channel_deleted(channel.id)


async def follow_and_tell(
    interaction: discord.Interaction, film: Film, *, dm: bool = False, release: str | None = None
) -> str:
    """Follow a film's premiere for the member who asked, in this channel; the confirmation
    (which release, when, where they'll be pinged, or that their country has no date yet)."""
    assert interaction.guild_id is not None and interaction.channel_id is not None
    result = await ours(interaction).client.premieres.follow(
        guild_id=interaction.guild_id,
        user_id=interaction.user.id,
        film=film,
        dm=dm,
        channel_id=interaction.channel_id,
        release=release,
    )
    text = view.followed(
        film,
        result.ping,
        result.line,
        dm=dm,
        release=result.release,
        choice=result.choice,
        applies=result.applicable,
        channel_id=result.channel_id,
    )
    channel = result.ping.channel_id if result.ping is not None else result.channel_id
    if channel is not None and not dm:
        text += _channel_warning(interaction, channel)
    return text


def _channel_warning(interaction: discord.Interaction, channel_id: int) -> str:
    guild = interaction.guild
    if guild is None:
        return ""
    channel = guild.get_channel_or_thread(channel_id)
    if channel is not None and can_post(channel, guild.me):
        return ""
    return (
        f"\n⚠️ I can't post in <#{channel_id}>. Someone with **Manage Server** can pick "
        "another channel with `/premiere channel`, or follow with `dm: True`."
    )


async def setup(bot: WatchpartyBot) -> None:
    await bot.add_cog(PremiereCog(bot))
