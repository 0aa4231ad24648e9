"""A small real discord.py bot used to check the fake end to end (not the project's bot)."""

from __future__ import annotations

import asyncio
import io

import discord
from discord import app_commands
from discord.ext import commands

FILMS = {
    "lost-in-starlight": "Lost in Starlight",
    "the-last-light": "The Last Light",
    "starlight-express": "Starlight Express",
    "moonrise-kingdom": "Moonrise Kingdom",
}


class PartyView(discord.ui.View):
    """Persistent RSVP buttons: survive restarts because of timeout=None and fixed custom ids."""

    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Going", style=discord.ButtonStyle.green, custom_id="party:going")
    async def going(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.edit_message(
            content=f"{interaction.message.content}\n{interaction.user.display_name} is going"
        )

    @discord.ui.button(label="Maybe", style=discord.ButtonStyle.grey, custom_id="party:maybe")
    async def maybe(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.defer()
        await interaction.edit_original_response(content="Someone is thinking about it")

    @discord.ui.button(label="Full", style=discord.ButtonStyle.grey, custom_id="party:full")
    async def full(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        """Updates the card, then tells the clicker alone (as a waitlist place is told)."""
        await interaction.response.edit_message(content=f"{interaction.message.content} (full)")
        await asyncio.sleep(0.05)
        await interaction.followup.send("You're #1 on the waitlist", ephemeral=True)


class FeedbackModal(discord.ui.Modal, title="Film feedback"):
    rating = discord.ui.TextInput(label="Rating", custom_id="rating", max_length=2)
    notes = discord.ui.TextInput(
        label="Notes", custom_id="notes", required=False, style=discord.TextStyle.paragraph
    )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(
            f"Thanks! rating={self.rating.value} notes={self.notes.value or '-'}", ephemeral=True
        )


film = app_commands.Group(name="film", description="Film facts")
schedule = app_commands.Group(name="schedule", description="Plan showings", parent=film)


async def title_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    current = current.casefold()
    return [
        app_commands.Choice(name=name, value=slug)
        for slug, name in FILMS.items()
        if current in name.casefold()
    ][:25]


@film.command(name="info", description="Facts about a film")
@app_commands.autocomplete(title=title_autocomplete)
async def film_info(interaction: discord.Interaction, title: str) -> None:
    name = FILMS.get(title)
    if name is None:
        await interaction.response.send_message(f"I don't know the film {title!r}.", ephemeral=True)
        return
    embed = discord.Embed(title=name, description="A film about stars.")
    embed.add_field(name="Premiere", value="<t:1748588400:F>")
    await interaction.response.send_message(embed=embed)


@film.command(name="slow", description="Takes a while to answer")
async def film_slow(interaction: discord.Interaction, title: str) -> None:
    await interaction.response.defer(thinking=True)
    await asyncio.sleep(0.05)
    await interaction.followup.send(f"Slow facts about {title}")


@film.command(name="poster", description="Sends a poster file")
async def film_poster(interaction: discord.Interaction) -> None:
    await interaction.response.send_message(
        "Poster:", file=discord.File(io.BytesIO(b"\x89PNG fake"), filename="poster.png")
    )


@film.command(name="calendar", description="Sends a calendar file")
async def film_calendar(interaction: discord.Interaction) -> None:
    ics = b"BEGIN:VCALENDAR\r\nSUMMARY:Lost in Starlight\r\nEND:VCALENDAR\r\n"
    await interaction.response.send_message(
        "For your calendar:", file=discord.File(io.BytesIO(ics), filename="film.ics")
    )


@film.command(name="recap", description="Exercises every interaction webhook route")
async def film_recap(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("first")
    extra = await interaction.followup.send("second", ephemeral=True, wait=True)
    await extra.edit(content="second, edited")
    original = await interaction.original_response()
    gone = await interaction.followup.send("third", wait=True)
    await gone.delete()
    await interaction.edit_original_response(content=f"{original.content}, edited")
    await interaction.delete_original_response()


@film.command(name="ticket", description="Price a ticket")
async def film_ticket(interaction: discord.Interaction, number: int, price: float = 0.0) -> None:
    await interaction.response.send_message(f"Ticket {number} costs {price}")


@schedule.command(name="add", description="Schedule a showing")
async def schedule_add(
    interaction: discord.Interaction,
    title: str,
    when: str,
    seats: app_commands.Range[int, 1, 500] | None = None,
) -> None:
    await interaction.response.send_message(
        f"Scheduled {title} at {when} ({seats or 'unlimited'} seats)", ephemeral=True
    )


@app_commands.command(name="party", description="Start a watch party")
async def party(interaction: discord.Interaction, title: str) -> None:
    await interaction.response.send_message(f"Watch party: {title}", view=PartyView())


@app_commands.command(name="feedback", description="Tell us what you thought")
async def feedback(interaction: discord.Interaction) -> None:
    await interaction.response.send_modal(FeedbackModal())


@app_commands.command(name="remind", description="Ping someone")
async def remind(interaction: discord.Interaction, who: discord.Member) -> None:
    await interaction.response.send_message(
        f"{who.mention} the film starts soon!",
        allowed_mentions=discord.AllowedMentions(users=[who], roles=False, everyone=False),
    )


@app_commands.command(name="whisper", description="Sends you a DM")
async def whisper(interaction: discord.Interaction) -> None:
    await interaction.user.send("Psst: the premiere is at <t:1748588400:t>")
    await interaction.response.send_message("Check your DMs", ephemeral=True)


@app_commands.command(name="admin", description="Admins only")
@app_commands.default_permissions(manage_guild=True)
async def admin(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("ok")


class MiniBot(commands.Bot):
    def __init__(self, **options: object) -> None:
        super().__init__(command_prefix="!", intents=discord.Intents.default(), **options)
        self.ready_count = 0
        self.resumed_count = 0

    async def setup_hook(self) -> None:
        for command in (film, party, feedback, remind, whisper, admin):
            self.tree.add_command(command)
        self.add_view(PartyView())

    async def on_ready(self) -> None:
        self.ready_count += 1

    async def on_resumed(self) -> None:
        self.resumed_count += 1
