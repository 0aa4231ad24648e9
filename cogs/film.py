"""/film: answers about films from the store (and TMDB), private unless the member shares them;
adding a server's own films; what is coming out soon."""

from __future__ import annotations

import re
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import WatchpartyBot
from bot.domain import answers, countries, ownfilm, zones
from bot.render import catalog as catalog_view
from bot.render import clip
from bot.render import films as view
from cogs.options import FilmArg, FilmOption, Suggestions, Zone, in_server, ours
from cogs.premiere import follow_and_tell

SHARE = "Post the answer in this channel for everyone (default: only you see it)"


class FilmCog(commands.GroupCog, group_name="film"):
    """Synopsis, cast, release times and plain questions about films."""

    def __init__(self, bot: WatchpartyBot) -> None:
        self.bot = bot

    async def viewer_zone(self, interaction: discord.Interaction, share: bool) -> str | None:
        """The zone to show the caller's times in: theirs, else the server's. None for a shared
        answer: it speaks to the whole channel, whose readers each see the ``<t:…>`` timestamps
        in their own clock, and must not reveal the caller's zone."""
        if share:
            return None
        return (await self.bot.preferences.zone(interaction.user.id, interaction.guild_id)).key

    async def viewer_country(
        self, interaction: discord.Interaction, zone_key: str | None, share: bool
    ) -> str | None:
        """The country whose releases the caller sees (theirs, else their zone's); None for a
        shared answer, which must not reveal it (it then shows worldwide releases)."""
        if share:
            return None
        return await self.bot.preferences.country(interaction.user.id, zone_key)

    @app_commands.command(name="info", description="Everything the store knows about a film")
    @app_commands.describe(title="The film's title (typos are fine)", share=SHARE)
    async def info(
        self, interaction: discord.Interaction, title: FilmArg, share: bool = False
    ) -> None:
        zone = await self.viewer_zone(interaction, share)
        country = await self.viewer_country(interaction, zone, share)
        embed = view.info(title, zone, country)
        await interaction.response.send_message(embed=embed, ephemeral=not share)

    @app_commands.command(name="search", description="Find films by title, person or character")
    @app_commands.describe(query="A title, an actor, a director or a character", share=SHARE)
    async def search(
        self,
        interaction: discord.Interaction,
        query: app_commands.Range[str, 1, 100],
        share: bool = False,
    ) -> None:
        hits = self.bot.films.search(query, limit=10, guild_id=interaction.guild_id)
        index = self.bot.films.index_for(interaction.guild_id)
        titles = {h.film_id: index.label(h.film_id) for h in hits}
        await interaction.response.send_message(
            view.search_results(query, hits, titles), ephemeral=not share
        )

    @app_commands.command(name="cast", description="Who is in a film, and whom they play or voice")
    @app_commands.describe(title="The film's title", share=SHARE)
    async def cast(
        self, interaction: discord.Interaction, title: FilmArg, share: bool = False
    ) -> None:
        await interaction.response.send_message(embed=view.cast(title), ephemeral=not share)

    @app_commands.command(
        name="release", description="When a film comes out, in your zone and around the server"
    )
    @app_commands.describe(
        title="The film's title",
        timezone="Show the release in this zone (default: yours)",
        share=SHARE,
    )
    async def release(
        self,
        interaction: discord.Interaction,
        title: FilmArg,
        timezone: Zone | None = None,
        share: bool = False,
    ) -> None:
        viewer: str | None
        if timezone:  # the release where that zone is, whoever asks
            viewer, country = timezone.key, zones.country_of(timezone.key)
        else:
            viewer = await self.viewer_zone(interaction, share)
            country = await self.viewer_country(interaction, viewer, share)
        table = await self.bot.preferences.table_zones(interaction.guild_id)
        embed = view.release_table(
            title,
            viewer,
            table.keys,
            table.from_server,
            self.bot.clock.now(),
            zone_given=bool(timezone),
            country=country,
        )
        await interaction.response.send_message(embed=embed, ephemeral=not share)

    @app_commands.command(
        name="ask", description="Ask a plain question: when is it out in Seoul? who voices Jay?"
    )
    @app_commands.describe(
        question="Your question",
        title="Which film (default: the one your question names)",
        share=SHARE,
    )
    @app_commands.autocomplete(title=FilmOption().autocomplete)
    async def ask(
        self,
        interaction: discord.Interaction,
        question: app_commands.Range[str, 2, 300],
        title: str | None = None,
        share: bool = False,
    ) -> None:
        film = await self.bot.catalog.film_for_question(question, title, interaction.guild_id)
        zone = await self.viewer_zone(interaction, share)
        country = await self.viewer_country(interaction, zone, share)
        reply = answers.answer(question, film, caller_zone_key=zone, country=country)
        await interaction.response.send_message(clip(reply.text, 2000), ephemeral=not share)

    # ------------------------------------------------------------------ the catalogue
    @app_commands.command(
        name="add",
        description="Add a film: pick it on TMDB, or describe your own (this server only)",
    )
    @app_commands.describe(
        tmdb="The film on TMDB; leave empty to fill in a form for a film TMDB doesn't have"
    )
    @app_commands.check(in_server)
    @app_commands.checks.has_permissions(manage_guild=True)
    async def add(self, interaction: discord.Interaction, tmdb: str | None = None) -> None:
        if tmdb is None:
            await interaction.response.send_modal(OwnFilmForm())
            return
        film = await self.bot.catalog.add_from_tmdb(tmdb)
        await interaction.response.send_message(catalog_view.added_from_tmdb(film), ephemeral=True)

    @add.autocomplete("tmdb")
    async def add_autocomplete(self, interaction: discord.Interaction, value: str) -> Suggestions:
        found = await self.bot.catalog.suggest_tmdb(value)
        return [app_commands.Choice(name=s.label[:100], value=s.value[:100]) for s in found]

    @app_commands.command(name="remove", description="Remove one of this server's own films")
    @app_commands.describe(film="One of the films added in this server with /film add")
    @app_commands.check(in_server)
    @app_commands.checks.has_permissions(manage_guild=True)
    async def remove(self, interaction: discord.Interaction, film: str) -> None:
        assert interaction.guild_id is not None
        label = await self.bot.catalog.remove_own(interaction.guild_id, film)
        await interaction.response.send_message(catalog_view.removed_own(label), ephemeral=True)

    @remove.autocomplete("film")
    async def remove_autocomplete(
        self, interaction: discord.Interaction, value: str
    ) -> Suggestions:
        own = self.bot.films.own_films(interaction.guild_id) if interaction.guild_id else []
        typed = value.casefold()
        choices: Suggestions = [
            app_commands.Choice(name=label[:100], value=film_id[:100])
            for label, film_id in own
            if typed in label.casefold()
        ]
        return choices[:25]

    @app_commands.command(
        name="upcoming", description="Films coming out in the next weeks where you live"
    )
    @app_commands.describe(
        country="A country, like South Korea or KR (default: yours)", share=SHARE
    )
    async def upcoming(
        self,
        interaction: discord.Interaction,
        country: app_commands.Range[str, 1, 60] | None = None,
        share: bool = False,
    ) -> None:
        await interaction.response.defer(ephemeral=not share, thinking=True)
        zone = await self.viewer_zone(interaction, share)
        code = (
            countries.find_country(country)
            if country
            else await self.viewer_country(interaction, zone, share)
        )
        tz = zones.zone_from_key(zone) if zone else None
        items, failed = await self.bot.catalog.upcoming(code, interaction.guild_id, tz)
        menu = FollowMenu.menu(items) if items and interaction.guild_id else discord.utils.MISSING
        await interaction.followup.send(
            catalog_view.upcoming(items, code, failed), view=menu, ephemeral=not share
        )

    @upcoming.autocomplete("country")
    async def upcoming_autocomplete(
        self, interaction: discord.Interaction, value: str
    ) -> Suggestions:
        return [
            app_commands.Choice(name=countries.country_label(code)[:100], value=code)
            for code in countries.suggest_countries(value, limit=25)
        ]


async def _tell_error(interaction: discord.Interaction, error: Exception, what: str) -> None:
    """Send what a form or a menu raised to the tree's handler (discord.py only logs it), so the
    member gets an answer instead of "This interaction failed"."""
    failure = app_commands.AppCommandError(f"{what} failed: {error!r}")
    failure.__cause__ = error
    await ours(interaction).client.tree.on_error(ours(interaction), failure)


class OwnFilmForm(discord.ui.Modal, title="Add your own film"):
    """/film add's form, for a film no catalogue has (a club's film, a festival screening)."""

    film_title: discord.ui.TextInput[OwnFilmForm] = discord.ui.TextInput(
        label="Title", custom_id="title", max_length=ownfilm.MAX_TITLE
    )
    release: discord.ui.TextInput[OwnFilmForm] = discord.ui.TextInput(
        label="Release (optional)",
        custom_id="release",
        placeholder="2026-12-24, or 2026-12-24 20:00 Seoul",
        required=False,
        max_length=60,
    )
    runtime: discord.ui.TextInput[OwnFilmForm] = discord.ui.TextInput(
        label="Runtime (optional)",
        custom_id="runtime",
        placeholder="96 or 1h 36m",
        required=False,
        max_length=20,
    )
    synopsis: discord.ui.TextInput[OwnFilmForm] = discord.ui.TextInput(
        label="Synopsis (optional)",
        custom_id="synopsis",
        style=discord.TextStyle.paragraph,
        required=False,
        max_length=ownfilm.MAX_SYNOPSIS,
    )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        bot = ours(interaction).client
        assert interaction.guild is not None
        zone = (await bot.preferences.zone(interaction.user.id, interaction.guild_id)).key
        film, notes = await bot.catalog.add_own(
            guild_id=interaction.guild.id,
            member_id=interaction.user.id,
            member=interaction.user.display_name,
            server=interaction.guild.name,
            zone_key=zone,
            title=self.film_title.value,
            release=self.release.value,
            runtime=self.runtime.value,
            synopsis=self.synopsis.value,
        )
        await interaction.response.send_message(catalog_view.added_own(film, notes), ephemeral=True)

    async def on_error(  # type: ignore[override]  # Modal's on_error has no item argument
        self, interaction: discord.Interaction, error: Exception
    ) -> None:
        await _tell_error(interaction, error, "Adding a film")


class FollowMenu(
    discord.ui.DynamicItem[discord.ui.Select],
    template=r"film:upcoming:follow",
):
    """/film upcoming's menu: pick a film to follow its premiere (works after a restart: the
    choices carry the films)."""

    CUSTOM_ID = "film:upcoming:follow"

    def __init__(self, select: discord.ui.Select | None = None) -> None:
        super().__init__(
            select or discord.ui.Select(custom_id=self.CUSTOM_ID, placeholder="Follow a premiere…")
        )

    @classmethod
    def menu(cls, items: list[Any]) -> discord.ui.View:
        item = cls()
        for upcoming in items[:25]:
            item.item.add_option(label=upcoming.title[:100], value=upcoming.value[:100])
        menu = discord.ui.View(timeout=None)
        menu.add_item(item)
        return menu

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> FollowMenu:
        assert isinstance(item, discord.ui.Select)
        return cls(item)

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            (value,) = self.item.values
            film = await ours(interaction).client.catalog.resolve(value, interaction.guild_id)
            text = await follow_and_tell(interaction, film)
            await interaction.response.send_message(text, ephemeral=True)
        except Exception as error:
            await _tell_error(interaction, error, "Following from /film upcoming")


async def setup(bot: WatchpartyBot) -> None:
    await bot.add_cog(FilmCog(bot))
    bot.add_dynamic_items(FollowMenu)
