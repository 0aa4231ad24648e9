"""/watchparty: schedule a viewing, RSVP with buttons, edit, cancel, export to a calendar."""

from __future__ import annotations

import io
import logging
import re

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain import parties as rules
from bot.domain.ics import party_ics
from bot.domain.parties import Party
from bot.errors import BadOption
from bot.render import parties as view
from bot.services.watchparty import Interpreted, WatchParties
from bot.storage import settings
from cogs.options import FilmArg, Zone

log = logging.getLogger(__name__)

Postable = discord.TextChannel | discord.Thread | discord.VoiceChannel


class RsvpButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"wp:rsvp:(?P<party>\d+):(?P<status>going|maybe|no)",
):
    """Going / Maybe / Not going: survives restarts because the state is in the custom id."""

    STYLES = {
        rules.GOING: discord.ButtonStyle.success,
        rules.MAYBE: discord.ButtonStyle.secondary,
        rules.NOT_GOING: discord.ButtonStyle.danger,
    }

    def __init__(self, party_id: int, status: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=rules.RSVP_LABELS[status],
                style=self.STYLES[status],
                custom_id=f"wp:rsvp:{party_id}:{status}",
            )
        )
        self.party_id = party_id
        self.status = status

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ):
        return cls(int(match["party"]), match["status"])

    async def callback(self, interaction: discord.Interaction) -> None:
        service: WatchParties = interaction.client.parties  # type: ignore[attr-defined]
        party = await service.rsvp(self.party_id, interaction.user.id, self.status)
        film, rsvps = await service.card(party)
        await interaction.response.edit_message(
            embed=view.card(party, film, rsvps), view=rsvp_view(party)
        )


def rsvp_view(party: Party) -> discord.ui.View | None:
    if party.cancelled:
        return None
    buttons = discord.ui.View(timeout=None)
    for status in (rules.GOING, rules.MAYBE, rules.NOT_GOING):
        buttons.add_item(RsvpButton(party.id, status))
    return buttons


def can_post(channel: discord.abc.GuildChannel | discord.Thread, me: discord.Member | None) -> bool:
    if me is None:
        return True  # not cached: let Discord decide, failures are reported
    perms = channel.permissions_for(me)
    return perms.view_channel and perms.send_messages and perms.embed_links


@app_commands.guild_only()
class WatchpartyCog(commands.GroupCog, group_name="watchparty"):
    """Plan movie night."""

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot
        self.service: WatchParties = bot.parties  # type: ignore[attr-defined]

    async def _announce_channel(
        self, interaction: discord.Interaction, channel: Postable | None
    ) -> Postable:
        if channel is None:
            configured = (
                await settings.get_guild_settings(self.bot.db, interaction.guild_id)
            ).announce_channel_id
            channel = (
                interaction.guild.get_channel(configured) if configured else None
            ) or interaction.channel  # type: ignore[union-attr,assignment]
        if not isinstance(channel, Postable):
            raise BadOption("Pick a text channel for the watch party (the `channel` option).")
        if not can_post(channel, interaction.guild.me if interaction.guild else None):
            raise BadOption(
                f"I can't post in {channel.mention}. Give me **View Channel**, **Send Messages** and "
                "**Embed Links** there, or pick another channel."
            )
        return channel

    async def _post_card(self, channel: Postable, result: Interpreted) -> discord.Message:
        film, rsvps = await self.service.card(result.party)
        return await channel.send(
            embed=view.card(result.party, film, rsvps), view=rsvp_view(result.party)
        )

    async def _refresh_card(self, party: Party) -> None:
        if party.message_id is None:
            return
        film, rsvps = await self.service.card(party)
        message = self.bot.get_partial_messageable(party.channel_id).get_partial_message(
            party.message_id
        )
        try:
            await message.edit(embed=view.card(party, film, rsvps), view=rsvp_view(party))
        except discord.HTTPException as error:
            log.warning("Could not update the card of party %s: %s", party.id, error)

    async def _sync_event(
        self, interaction: discord.Interaction, party: Party, film_title: str
    ) -> str:
        """Create or update the native scheduled event; returns a line for the host, if any."""
        guild = interaction.guild
        if guild is None:
            return ""
        if not interaction.app_permissions.manage_events:
            if await settings.claim_events_notice(self.bot.db, guild.id):
                return "\n-# I don't have **Manage Events**, so there's no Discord event for parties here. (Said once.)"
            return ""
        end = party.ends_at or party.starts_at
        kwargs: dict = {
            "name": f"Watch party: {film_title}"[:100],
            "start_time": party.starts_at,
            "description": (view.plain(party.note) or f"Watching {film_title} together.")[:1000],
            "privacy_level": discord.PrivacyLevel.guild_only,
        }
        if party.voice_channel_id:
            kwargs |= {
                "entity_type": discord.EntityType.voice,
                "channel": discord.Object(party.voice_channel_id),
            }
        else:
            kwargs |= {
                "entity_type": discord.EntityType.external,
                "location": f"#{getattr(interaction.channel, 'name', 'chat')}"[:100],
                "end_time": end,
            }
        try:
            if party.event_id:
                event = await guild.fetch_scheduled_event(party.event_id)
                await event.edit(**kwargs)
            else:
                event = await guild.create_scheduled_event(**kwargs)
                await self.service.repo.set_message(party.id, None, event.id)
        except discord.HTTPException as error:
            log.warning("Scheduled event for party %s failed: %s", party.id, error)
            return "\n-# I couldn't create the Discord event for this party."
        return ""

    @app_commands.command(name="create", description="Schedule a watch party")
    @app_commands.describe(
        film="The film to watch",
        when="e.g. 'fri 8pm', 'tomorrow 21:00', '2025-05-30 21:00', 'in 2 hours' or 'premiere'",
        timezone="Zone the time is in (default: yours, else the server's)",
        channel="Where to announce and ping (default: the announce channel, else here)",
        voice_channel="Voice channel to watch in",
        note="A note for everyone (plain text, max 300 characters)",
        reminders="Reminder lead times, e.g. '1d,1h,10m' (default: 1h,10m; 'none' for none)",
    )
    async def create(
        self,
        interaction: discord.Interaction,
        film: FilmArg,
        when: app_commands.Range[str, 1, 100],
        timezone: Zone | None = None,
        channel: Postable | None = None,
        voice_channel: discord.VoiceChannel | None = None,
        note: app_commands.Range[str, 0, 300] | None = None,
        reminders: app_commands.Range[str, 0, 60] | None = None,
    ) -> None:
        target = await self._announce_channel(interaction, channel)
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
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            message = await self._post_card(target, result)
        except discord.HTTPException as error:
            await self.service.cancel(result.party)
            raise BadOption(
                f"I couldn't post in {target.mention} ({error.text or error.status}), so I didn't schedule it."
            ) from error
        await self.service.repo.set_message(result.party.id, message.id, None)
        extra = await self._sync_event(interaction, result.party, film.title)
        await interaction.followup.send(
            view.interpretation(result.party, result.notes)
            + f"\nAnnounced in {target.mention}: {message.jump_url}"
            + extra,
            ephemeral=True,
        )

    @app_commands.command(name="list", description="Upcoming watch parties in this server")
    async def list_(self, interaction: discord.Interaction) -> None:
        upcoming = await self.service.repo.upcoming(interaction.guild_id, self.bot.clock.now())
        if not upcoming:
            await interaction.response.send_message(
                "No watch parties planned. Start one with `/watchparty create`.", ephemeral=True
            )
            return
        lines = [view.line(p, (await self.bot.films.get(p.film_id)).title) for p in upcoming]
        await interaction.response.send_message("\n".join(lines)[:2000], ephemeral=True)

    @app_commands.command(name="mine", description="Watch parties you host or are going to")
    async def mine(self, interaction: discord.Interaction) -> None:
        rows = await self.service.repo.mine(
            interaction.guild_id, interaction.user.id, self.bot.clock.now()
        )
        if not rows:
            await interaction.response.send_message(
                "You're not hosting or going to any upcoming watch party here.", ephemeral=True
            )
            return
        lines = [
            view.line(p, (await self.bot.films.get(p.film_id)).title, f" · you: {answer}")
            for p, answer in rows
        ]
        await interaction.response.send_message("\n".join(lines)[:2000], ephemeral=True)

    @app_commands.command(name="info", description="Details of one watch party")
    @app_commands.describe(id="The party number (see /watchparty list)")
    async def info(self, interaction: discord.Interaction, id: app_commands.Range[int, 1]) -> None:
        party = await self.service.get(id, interaction.guild_id)
        film, rsvps = await self.service.card(party)
        await interaction.response.send_message(embed=view.card(party, film, rsvps), ephemeral=True)

    @app_commands.command(name="edit", description="Change a watch party (host or Manage Events)")
    @app_commands.describe(
        id="The party number",
        when="New start time",
        timezone="Zone the new time is in",
        film="Another film",
        channel="Another channel for the pings",
        note="A new note ('-' clears it)",
    )
    async def edit(
        self,
        interaction: discord.Interaction,
        id: app_commands.Range[int, 1],
        when: app_commands.Range[str, 1, 100] | None = None,
        timezone: Zone | None = None,
        film: FilmArg | None = None,
        channel: Postable | None = None,
        note: app_commands.Range[str, 1, 300] | None = None,
    ) -> None:
        party = await self.service.active(id, interaction.guild_id)
        self.service.check_may_change(
            party, interaction.user.id, interaction.permissions.manage_events
        )
        if when is None and timezone is not None:
            raise BadOption("Give the new time in `when` together with `timezone`.")
        if all(v is None for v in (when, film, channel, note)):
            raise BadOption("Nothing to change: give a new `when`, `film`, `channel` or `note`.")
        if channel is not None:
            await self._announce_channel(interaction, channel)
        result = await self.service.edit(
            party,
            when=when,
            zone=timezone,
            editor_id=interaction.user.id,
            film=film,
            channel_id=channel.id if channel else None,
            note=("" if note == "-" else note),
        )
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self._refresh_card(result.party)
        extra = (
            await self._sync_event(interaction, result.party, result.film.title)
            if result.party.event_id or when
            else ""
        )
        await interaction.followup.send(
            view.interpretation(result.party, result.notes, verb="Updated") + extra, ephemeral=True
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
        await self.service.cancel(party)
        await interaction.response.send_message(
            f"Cancelled watch party #{party.id}. No more reminders will be sent.", ephemeral=True
        )
        cancelled = await self.service.get(party.id, interaction.guild_id)
        await self._refresh_card(cancelled)
        if party.event_id and interaction.guild:
            try:
                await (await interaction.guild.fetch_scheduled_event(party.event_id)).delete()
            except discord.HTTPException as error:
                log.warning("Could not delete the event of party %s: %s", party.id, error)

    @app_commands.command(name="ics", description="Download a watch party as a calendar file")
    @app_commands.describe(id="The party number")
    async def ics(self, interaction: discord.Interaction, id: app_commands.Range[int, 1]) -> None:
        party = await self.service.get(id, interaction.guild_id)
        film = await self.bot.films.get(party.film_id)
        data = party_ics(party, film.title, now=self.bot.clock.now()).encode()
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
        await settings.set_dm_pings(self.bot.db, interaction.user.id, where.value == "dm")
        text = (
            "I'll DM you reminders and start pings."
            if where.value == "dm"
            else "I'll ping you in the party's channel."
        )
        await interaction.response.send_message(text, ephemeral=True)


async def setup(bot: commands.Bot) -> None:
    bot.add_dynamic_items(RsvpButton)
    await bot.add_cog(WatchpartyCog(bot))
