"""Typed slash-command options shared by the cogs: text in, domain values out (or a UserError)."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.domain import zones
from bot.domain.films import Film


class ZoneOption(app_commands.Transformer):
    """A time zone typed as a city, IANA name, abbreviation or UTC offset."""

    async def transform(self, interaction: discord.Interaction, value: str) -> zones.ZoneMatch:
        return zones.resolve_zone(value)

    async def autocomplete(
        self, interaction: discord.Interaction, value: str
    ) -> list[app_commands.Choice[str]]:
        return [
            app_commands.Choice(name=label[:100], value=key[:100])
            for label, key in zones.suggest_zones(value, limit=25)
        ]


class FilmOption(app_commands.Transformer):
    """A film typed by title; autocomplete offers the store's best matches."""

    async def transform(self, interaction: discord.Interaction, value: str) -> Film:
        return await interaction.client.films.resolve(value)  # type: ignore[attr-defined]

    async def autocomplete(
        self, interaction: discord.Interaction, value: str
    ) -> list[app_commands.Choice[str]]:
        store = interaction.client.films  # type: ignore[attr-defined]
        return [
            app_commands.Choice(name=label[:100], value=film_id[:100])
            for label, film_id in store.complete(value, limit=25)
        ]


Zone = app_commands.Transform[zones.ZoneMatch, ZoneOption]
FilmArg = app_commands.Transform[Film, FilmOption]
