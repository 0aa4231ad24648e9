"""/timezone: members register their zone so every time is shown in their own clock."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot import render
from bot.app import WatchpartyBot
from bot.domain import countries, zones
from bot.domain.when import OFF, is_off, parse_quiet_window
from cogs.options import Suggestions, Zone


class TimezoneCog(commands.GroupCog, group_name="timezone"):
    """Set, show and clear your time zone."""

    def __init__(self, bot: WatchpartyBot) -> None:
        self.bot = bot

    @app_commands.command(
        name="set", description="Set your time zone (a city, IANA name, abbreviation or UTC offset)"
    )
    @app_commands.describe(zone="For example Seoul, Asia/Seoul, KST or UTC+9")
    async def set_zone(self, interaction: discord.Interaction, zone: Zone) -> None:
        await self.bot.premieres.set_member_zone(
            interaction.user.id, zone.key, interaction.guild_id
        )
        await interaction.response.send_message(
            render.zone_set(zone, self.bot.clock.now()), ephemeral=True
        )

    @app_commands.command(name="show", description="Show your time zone, or another member's")
    @app_commands.describe(member="Whose zone to show (default: yours)")
    async def show(
        self, interaction: discord.Interaction, member: discord.User | None = None
    ) -> None:
        target = member or interaction.user
        prefs = self.bot.preferences
        key = await prefs.own_zone(target.id)
        chosen = await prefs.chosen_country(target.id)
        text = render.zone_show(
            key,
            zones.zone_from_key(key) if key else None,
            self.bot.clock.now(),
            who=None if member is None or member.id == interaction.user.id else target,
            country=chosen or (zones.country_of(key) if key else None),
            chosen=chosen is not None,
        )
        await interaction.response.send_message(text, ephemeral=True)

    @app_commands.command(name="clear", description="Forget your time zone")
    async def clear(self, interaction: discord.Interaction) -> None:
        had = await self.bot.premieres.set_member_zone(interaction.user.id, None, None)
        text = (
            "Done: I forgot your time zone. Times will be shown in UTC (or the server's zone)."
            if had
            else "You had no time zone set, so there was nothing to clear."
        )
        await interaction.response.send_message(text, ephemeral=True)

    @app_commands.command(
        name="country", description="The country whose release dates apply to you"
    )
    @app_commands.describe(
        country=f"A name or code, like South Korea or KR; '{OFF}' for your zone's country"
    )
    async def country(
        self, interaction: discord.Interaction, country: app_commands.Range[str, 1, 60]
    ) -> None:
        # For zones several countries share (Europe/Berlin is also Denmark's and Sweden's). A
        # code wins over a word for "off": "NO" is Norway.
        off = is_off(country) and not countries.is_code(country)
        code = None if off else countries.find_country(country)
        await self.bot.premieres.set_member_country(interaction.user.id, code)
        zone = await self.bot.preferences.own_zone(interaction.user.id)
        await interaction.response.send_message(render.country_set(code, zone), ephemeral=True)

    @country.autocomplete("country")
    async def country_autocomplete(
        self, interaction: discord.Interaction, value: str
    ) -> Suggestions:
        found: Suggestions = [
            app_commands.Choice(name=countries.country_label(code)[:100], value=code)
            for code in countries.suggest_countries(value, limit=25)
        ]
        if not value.strip():  # the way back comes first in an empty box
            found = [app_commands.Choice(name="Off: my zone's country", value=OFF), *found[:24]]
        return found

    @app_commands.command(
        name="quiet", description="Nightly quiet hours: premiere pings wait until they end"
    )
    @app_commands.describe(window=f"Like 23:00-08:00 (in your zone); '{OFF}' for none")
    async def quiet(
        self, interaction: discord.Interaction, window: app_commands.Range[str, 1, 40]
    ) -> None:
        if is_off(window):
            await self.bot.premieres.set_quiet(interaction.user.id, None)
            await interaction.response.send_message("Quiet hours are off.", ephemeral=True)
            return
        start, end = parse_quiet_window(window)
        await self.bot.premieres.set_quiet(interaction.user.id, (start, end))
        zone = await self.bot.preferences.own_zone(interaction.user.id)
        await interaction.response.send_message(render.quiet_set(start, end, zone), ephemeral=True)


async def setup(bot: WatchpartyBot) -> None:
    await bot.add_cog(TimezoneCog(bot))
