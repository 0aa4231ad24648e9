"""/watchparty: schedule a viewing, RSVP with buttons, edit, cancel, export to a calendar."""

from __future__ import annotations

import io
import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import WatchpartyBot
from bot.domain import hearing
from bot.domain import parties as rules
from bot.domain.when import OFF
from bot.errors import BadOption
from bot.render import hearing as hearing_view
from bot.render import parties as view
from cogs.cards import PartyCards, ReminderButton, RsvpButton
from cogs.options import FilmOrTitleArg, Zone, require_postable

log = logging.getLogger(__name__)

Postable = discord.TextChannel | discord.Thread | discord.VoiceChannel


@app_commands.guild_only()
class WatchpartyCog(commands.GroupCog, group_name="watchparty"):
    """Plan movie night."""

    def __init__(self, bot: WatchpartyBot) -> None:
        self.bot = bot
        self.service = bot.parties
        self.cards = PartyCards(bot)

    # ------------------------------------------------------------------ Discord glue
    async def _target_channel(
        self, interaction: discord.Interaction, channel: Postable | None
    ) -> Postable:
        """The channel named, else the server's announce channel, else this one; postable."""
        guild = interaction.guild
        if channel is None and guild is not None:
            configured = await self.bot.preferences.announce_channel_id(guild.id)
            channel = guild.get_channel(configured) if configured else None  # type: ignore[assignment]
        if channel is None:
            channel = interaction.channel  # type: ignore[assignment]
        if not isinstance(channel, Postable):
            raise BadOption("Pick a text channel for the watch party (the `channel` option).")
        require_postable(channel, guild.me if guild else None, embeds=True)
        return channel

    # ------------------------------------------------------------------ commands
    @app_commands.command(name="create", description="Schedule a watch party")
    @app_commands.describe(
        film="The film to watch (any title, even one I don't know)",
        when="e.g. 'fri 8pm', 'tomorrow 21:00', '2025-05-30 21:00', 'in 2 hours' or 'premiere'",
        timezone="Zone the time is in (default: yours, else the server's)",
        channel="Where to announce and ping (default: the announce channel, else here)",
        voice_channel="Voice channel to watch in",
        note="A note for everyone (plain text, max 300 characters)",
        reminders=f"Reminder lead times, e.g. '1d,1h,10m' (default: 1h,10m; '{OFF}' for none)",
    )
    async def create(
        self,
        interaction: discord.Interaction,
        film: FilmOrTitleArg,
        when: app_commands.Range[str, 1, 100],
        timezone: Zone | None = None,
        channel: Postable | None = None,
        voice_channel: discord.VoiceChannel | None = None,
        note: app_commands.Range[str, 0, rules.NOTE_MAX] | None = None,
        reminders: app_commands.Range[str, 0, 60] | None = None,
    ) -> None:
        assert interaction.guild_id is not None  # a guild-only command
        await interaction.response.defer(ephemeral=True, thinking=True)
        target = await self._target_channel(interaction, channel)
        result = await self.service.create(
            guild_id=interaction.guild_id,
            host_id=interaction.user.id,
            channel_id=target.id,
            film=film,
            when=when,
            zone=timezone,
            voice_channel_id=voice_channel.id if voice_channel else None,
            note=note,
            reminders=reminders,
        )
        try:
            message = await self.cards.post(target, result.party)
        except discord.HTTPException as error:
            await self.service.cancel(result.party, by=interaction.user.id)
            raise BadOption(
                view.card_failed(target.mention, error.text or str(error.status))
            ) from error
        extra = await self.cards.sync_event(
            interaction.guild,
            result.party,
            result.title,
            allowed=interaction.app_permissions.manage_events,
        )
        await interaction.followup.send(
            view.interpretation(result.party, _with_unchecked(result.notes, film))
            + f"\nAnnounced in {target.mention}: {message.jump_url}"
            + extra,
            ephemeral=True,
        )

    @app_commands.command(name="list", description="Upcoming watch parties in this server")
    async def list_(self, interaction: discord.Interaction) -> None:
        upcoming = await self.service.upcoming(interaction.guild_id)
        await interaction.response.send_message(view.listing(upcoming), ephemeral=True)

    @app_commands.command(name="mine", description="Watch parties you host or are going to")
    async def mine(self, interaction: discord.Interaction) -> None:
        rows = await self.service.mine(interaction.guild_id, interaction.user.id)
        await interaction.response.send_message(view.my_listing(rows), ephemeral=True)

    @app_commands.command(name="info", description="Details of one watch party")
    @app_commands.describe(id="The party number (see /watchparty list)")
    async def info(self, interaction: discord.Interaction, id: app_commands.Range[int, 1]) -> None:
        party = await self.service.get(id, interaction.guild_id)
        title, rsvps = await self.service.card(party)
        await interaction.response.send_message(
            embed=view.card(party, title, rsvps), ephemeral=True
        )

    @app_commands.command(name="edit", description="Change a watch party (host or Manage Events)")
    @app_commands.describe(
        id="The party number",
        when="New start time",
        timezone="Zone the new time is in",
        film="Another film (any title)",
        channel="Another channel for the announcement and pings",
        note=f"A new note ('{rules.CLEAR_NOTE}' clears it)",
    )
    async def edit(
        self,
        interaction: discord.Interaction,
        id: app_commands.Range[int, 1],
        when: app_commands.Range[str, 1, 100] | None = None,
        timezone: Zone | None = None,
        film: FilmOrTitleArg | None = None,
        channel: Postable | None = None,
        note: app_commands.Range[str, 1, rules.NOTE_MAX] | None = None,
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        party = await self.service.active(id, interaction.guild_id)
        self.service.check_may_change(
            party, interaction.user.id, interaction.permissions.manage_events
        )
        if channel is not None:
            await self._target_channel(interaction, channel)
        result = await self.service.edit(
            party,
            when=when,
            zone=timezone,
            editor_id=interaction.user.id,
            film=film,
            channel_id=channel.id if channel else None,
            note=note,
        )
        moved = ""
        if result.party.channel_id != party.channel_id:
            moved = await self.cards.move(party, result.party)
        else:
            await self.cards.refresh(result.party)
        extra = ""
        if result.party.event_id or when is not None:
            extra = await self.cards.sync_event(
                interaction.guild,
                result.party,
                result.title,
                allowed=interaction.app_permissions.manage_events,
            )
        await interaction.followup.send(
            view.interpretation(result.party, _with_unchecked(result.notes, film), verb="Updated")
            + moved
            + extra,
            ephemeral=True,
        )

    @app_commands.command(name="cancel", description="Cancel a watch party (host or Manage Events)")
    @app_commands.describe(id="The party number")
    async def cancel(
        self, interaction: discord.Interaction, id: app_commands.Range[int, 1]
    ) -> None:
        party = await self.service.active(id, interaction.guild_id)
        self.service.check_may_change(
            party, interaction.user.id, interaction.permissions.manage_events
        )
        await interaction.response.defer(ephemeral=True, thinking=True)
        cancelled = await self.service.cancel(party, by=interaction.user.id)
        await self.cards.refresh(cancelled)
        await self.cards.delete_event(interaction.guild, cancelled)
        await interaction.followup.send(view.cancelled(cancelled), ephemeral=True)

    @app_commands.command(name="ics", description="Download a watch party as a calendar file")
    @app_commands.describe(id="The party number")
    async def ics(self, interaction: discord.Interaction, id: app_commands.Range[int, 1]) -> None:
        party = await self.service.get(id, interaction.guild_id)
        data = (await self.service.calendar(party)).encode()
        await interaction.response.send_message(
            f"Watch party #{party.id} for your calendar:",
            ephemeral=True,
            file=discord.File(io.BytesIO(data), filename=f"watchparty-{party.id}.ics"),
        )

    @app_commands.command(
        name="notify", description="Get watch-party pings in the channel or by DM"
    )
    @app_commands.describe(where="channel (default) or dm")
    @app_commands.choices(
        where=[
            app_commands.Choice(name="In the channel", value="channel"),
            app_commands.Choice(name="By direct message", value="dm"),
        ]
    )
    async def notify(
        self, interaction: discord.Interaction, where: app_commands.Choice[str]
    ) -> None:
        await self.bot.preferences.set_dm_pings(interaction.user.id, where.value == "dm")
        await interaction.response.send_message(
            view.notify_set(where.value == "dm"), ephemeral=True
        )

    @app_commands.command(
        name="reminders", description="Turn one watch party's reminders on or off for you"
    )
    @app_commands.describe(id="The party number", state="on or off")
    @app_commands.choices(
        state=[
            app_commands.Choice(name="On", value="on"),
            app_commands.Choice(name="Off", value="off"),
        ]
    )
    async def reminders(
        self,
        interaction: discord.Interaction,
        id: app_commands.Range[int, 1],
        state: app_commands.Choice[str],
    ) -> None:
        party = await self.service.active(id, interaction.guild_id)
        result = await self.bot.hearing.set_reminders(
            party.id, interaction.user.id, state.value == "on"
        )
        await interaction.response.send_message(
            hearing_view.reminders_state(result.party_id, result.on, result.going, result.leads),
            ephemeral=True,
        )

    @app_commands.command(
        name="remind-me", description="Your own reminder lead times for every watch party"
    )
    @app_commands.describe(
        leads=f"e.g. '1d,1h,10m'; '{OFF}' for none; '{hearing.DEFAULT}' for each party's own"
    )
    async def remind_me(
        self, interaction: discord.Interaction, leads: app_commands.Range[str, 1, 60]
    ) -> None:
        own = hearing.parse_own_leads(leads)
        await self.bot.hearing.set_own_leads(interaction.user.id, own)
        await interaction.response.send_message(hearing_view.own_leads_set(own), ephemeral=True)


def _with_unchecked(notes: tuple[str, ...], film: object) -> tuple[str, ...]:
    """The service's notes, and a word when a typed title was taken because TMDB was down."""
    unchecked = isinstance(film, rules.TypedTitle) and film.unchecked
    return (*notes, rules.UNCHECKED_NOTE) if unchecked else notes


async def setup(bot: WatchpartyBot) -> None:
    bot.add_dynamic_items(RsvpButton, ReminderButton)
    await bot.add_cog(WatchpartyCog(bot))
