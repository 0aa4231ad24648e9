"""/film: answers about films from the local store, private unless the member shares them."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import WatchpartyBot
from bot.domain import answers, questions, zones
from bot.domain.films import Film
from bot.domain.usertext import plain
from bot.errors import BadOption, FilmNotFound
from bot.render import clip
from bot.render import films as view
from cogs.options import FilmArg, FilmOption, Zone

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
        film = await self._film_for_question(question, title, interaction.guild_id)
        zone = await self.viewer_zone(interaction, share)
        country = await self.viewer_country(interaction, zone, share)
        reply = answers.answer(question, film, caller_zone_key=zone, country=country)
        await interaction.response.send_message(clip(reply.text, 2000), ephemeral=not share)

    async def _film_for_question(
        self, question: str, title: str | None, guild_id: int | None
    ) -> Film:
        if title:
            return await self.bot.catalog.resolve(title, guild_id)
        index = self.bot.films.index_for(guild_id)
        film_id = questions.find_film_in_question(question, index)
        if film_id is not None:
            return await self.bot.films.get(film_id)
        named = questions.name_in_question(question, index)
        asked = questions.title_in_question(question)
        if named is None and asked is not None:
            found = await self.bot.catalog.find(asked, guild_id)  # TMDB, when it is configured
            if found is not None:
                return found
            raise FilmNotFound(
                f"I don't know a film called '{plain(asked)}'. Try `/film search`, "
                "or pick one in the `title` option."
            )
        films = f" {view.name_in_films(named, index.label)}" if named else ""
        raise BadOption(
            f"Which film do you mean?{films} "
            "Name it in the question or pick one in the `title` option."
        )


async def setup(bot: WatchpartyBot) -> None:
    await bot.add_cog(FilmCog(bot))
