"""Typed slash-command options shared by the cogs: text in, domain values out (or a UserError)."""

from __future__ import annotations

from typing import cast

import discord
from discord import app_commands

from bot.app import WatchpartyBot
from bot.domain import parties, zones
from bot.domain.films import Film
from bot.errors import BadOption

Suggestions = list[app_commands.Choice[int | float | str]]


def ours(interaction: discord.Interaction) -> discord.Interaction[WatchpartyBot]:
    """The interaction typed with the bot it reached (discord.py types its client as any Client,
    and every interaction this bot handles reached a WatchpartyBot)."""
    return cast("discord.Interaction[WatchpartyBot]", interaction)


class ZoneOption(app_commands.Transformer):
    """A time zone typed as a city, IANA name, abbreviation or UTC offset."""

    async def transform(self, interaction: discord.Interaction, value: str) -> zones.ZoneMatch:
        return zones.resolve_zone(value)

    async def autocomplete(
        self, interaction: discord.Interaction, value: int | float | str
    ) -> Suggestions:
        return [
            app_commands.Choice(name=label[:100], value=key[:100])
            for label, key in zones.suggest_zones(str(value), limit=25)
        ]


class FilmOption(app_commands.Transformer):
    """A film typed by title; autocomplete offers the store's best matches, then TMDB's."""

    async def transform(self, interaction: discord.Interaction, value: str) -> Film:
        return await ours(interaction).client.catalog.resolve(value, interaction.guild_id)

    async def autocomplete(
        self, interaction: discord.Interaction, value: int | float | str
    ) -> Suggestions:
        found = await ours(interaction).client.catalog.suggest(str(value), interaction.guild_id)
        return [app_commands.Choice(name=s.label[:100], value=s.value[:100]) for s in found]


async def find_film(interaction: discord.Interaction, value: str) -> tuple[Film | None, bool]:
    """(The film a member means by ``value`` (an id from autocomplete or a typed title), or None
    when neither the store nor TMDB knows it; whether TMDB could not be asked): the one place
    that decides whether a typed title is a known film. A typed title stays usable while TMDB is
    down; a TMDB film picked from autocomplete that can't be had is an error."""
    return await ours(interaction).client.catalog.find(value, interaction.guild_id)


class FilmOrTitle(app_commands.Transformer):
    """A film the bot knows, else any title as typed (a club's own film, a festival screening)."""

    autocomplete = FilmOption.autocomplete  # the same suggestions as for a known film

    async def transform(self, interaction: discord.Interaction, value: str) -> Film | str:
        film, unchecked = await find_film(interaction, value)
        return film or parties.TypedTitle(parties.check_title(value), unchecked)


Zone = app_commands.Transform[zones.ZoneMatch, ZoneOption]
FilmArg = app_commands.Transform[Film, FilmOption]
FilmOrTitleArg = app_commands.Transform[Film | str, FilmOrTitle]


def can_post(
    channel: discord.abc.GuildChannel | discord.Thread,
    me: discord.Member | None,
    *,
    embeds: bool = False,
) -> bool:
    """Whether the bot may post in a channel (with embeds, if asked), as far as it knows."""
    if me is None:
        return True  # not cached: let Discord decide, failures are recorded and reported
    perms = channel.permissions_for(me)
    return perms.view_channel and perms.send_messages and (perms.embed_links or not embeds)


def require_postable(
    channel: discord.abc.GuildChannel | discord.Thread,
    me: discord.Member | None,
    *,
    embeds: bool = False,
) -> None:
    """Refuse, with what to grant, a channel the bot can't post in."""
    if can_post(channel, me, embeds=embeds):
        return
    needed = (
        "**View Channel**, **Send Messages** and **Embed Links**"
        if embeds
        else "**View Channel** and **Send Messages**"
    )
    raise BadOption(
        f"I can't post in {channel.mention}. Give me {needed} there, or pick another channel."
    )


def in_server(interaction: discord.Interaction) -> bool:
    """A check for subcommands that only make sense in a server (Discord's own guild-only flag
    applies to whole commands only): refused in DMs with the tree's usual message."""
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage()
    return True
