"""A watch party's presence in Discord: its announcement card (with RSVP buttons that survive
restarts) and its native scheduled event.

:class:`PartyCards` needs no interaction, so a command, a button and a timed delivery (a series'
next occurrence, a vote's result) post and update cards and events the same way.
"""

from __future__ import annotations

import io
import logging
import re
from typing import Any

import discord
from discord import app_commands

from bot.app import WatchpartyBot
from bot.domain import parties as rules
from bot.domain import seats as seat_rules
from bot.domain.parties import Party
from bot.render import hearing as hearing_view
from bot.render import parties as view
from bot.render import seats as seat_view
from bot.render.series import EVENTS_FULL_NOTICE
from cogs.options import ours

log = logging.getLogger(__name__)

#: Discord's error code for "A thread has already been created for this message".
THREAD_EXISTS = 160004
#: Discord's error code for "Maximum number of guild events reached (100)".
EVENTS_LIMIT = 30038


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
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> RsvpButton:
        return cls(int(match["party"]), match["status"])

    async def callback(self, interaction: discord.Interaction) -> None:
        # discord.py only logs what a dynamic item raises: send it to the tree's handler, so
        # the member gets an answer ("answers are closed") instead of "did not respond".
        bot = ours(interaction).client
        try:
            party, answered = await bot.parties.rsvp(
                self.party_id, interaction.user.id, self.status
            )
            title, rsvps = await bot.parties.card(party)
            await interaction.response.edit_message(
                embed=view.card(party, title, rsvps), view=rsvp_view(party, title)
            )
            if answered.status == seat_rules.WAITING:
                await interaction.followup.send(
                    seat_view.waitlisted(party, answered), ephemeral=True
                )
        except Exception as error:
            await report(interaction, error)


class IcsButton(discord.ui.DynamicItem[discord.ui.Button], template=r"wp:ics:(?P<party>\d+)"):
    """The card's ".ics" button: the calendar file `/watchparty ics` gives, privately."""

    def __init__(self, party_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=".ics", style=discord.ButtonStyle.secondary, custom_id=f"wp:ics:{party_id}"
            )
        )
        self.party_id = party_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> IcsButton:
        return cls(int(match["party"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        bot = ours(interaction).client
        try:
            party = await bot.parties.get(self.party_id, interaction.guild_id)
            await send_ics(interaction, party)
        except Exception as error:
            await report(interaction, error)


async def send_ics(interaction: discord.Interaction, party: Party) -> None:
    """Answer privately with a party's calendar file."""
    data = (await ours(interaction).client.parties.calendar(party)).encode()
    await interaction.response.send_message(
        f"Watch party #{party.id} for your calendar:",
        ephemeral=True,
        file=discord.File(io.BytesIO(data), filename=f"watchparty-{party.id}.ics"),
    )


async def report(interaction: discord.Interaction, error: Exception) -> None:
    """Answer a failed button or select through the tree's error handler, as a command's."""
    # The tree's handler takes command errors: this is one, caused by ``error``.
    failure = app_commands.AppCommandError(f"Component failed: {error!r}")
    failure.__cause__ = error
    await ours(interaction).client.tree.on_error(ours(interaction), failure)


class ReminderButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"wp:bell:(?P<party>\d+)",
):
    """🔔: turns this party's reminders on or off for the member who clicks, and says which."""

    def __init__(self, party_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Reminders",
                emoji="🔔",
                style=discord.ButtonStyle.secondary,
                custom_id=f"wp:bell:{party_id}",
            )
        )
        self.party_id = party_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> ReminderButton:
        return cls(int(match["party"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        bot = ours(interaction).client
        try:
            state = await bot.hearing.set_reminders(self.party_id, interaction.user.id, None)
            await interaction.response.send_message(
                hearing_view.reminders_state(state),
                ephemeral=True,
            )
        except Exception as error:
            await report(interaction, error)


def rsvp_view(party: Party, film_title: str) -> discord.ui.View | None:
    """The card's buttons; a cancelled party has none. First row: the answers and 🔔; second
    row: the calendar buttons (Google Calendar link, .ics file)."""
    if party.cancelled:
        return None
    buttons = discord.ui.View(timeout=None)
    for status in (rules.GOING, rules.MAYBE, rules.NOT_GOING):
        buttons.add_item(RsvpButton(party.id, status))
    buttons.add_item(ReminderButton(party.id))
    link = seat_view.calendar_url(party, film_title)
    buttons.add_item(discord.ui.Button(label="Add to Google Calendar", url=link, row=1))
    ics = IcsButton(party.id)
    ics.item.row = 1
    buttons.add_item(ics)
    return buttons


_LIVE = (discord.EventStatus.scheduled, discord.EventStatus.active)
#: How far back in its channel a roll-over re-run looks for a card it posted before a crash.
CARD_LOOKBACK = 50


def _made_before(
    events: list[discord.ScheduledEvent], bot_id: int | None, kwargs: dict[str, Any]
) -> discord.ScheduledEvent | None:
    """The live event the bot made for these options already (a re-run after a crash that
    came before the event was remembered)."""
    for event in events:
        if (
            event.status in _LIVE
            and event.creator_id == bot_id
            and event.name == kwargs["name"]
            and event.description == kwargs["description"]
            and event.start_time == kwargs["start_time"]
        ):
            return event
    return None


class PartyCards:
    """Posts, updates and moves cards; creates, updates and deletes native events."""

    def __init__(self, bot: WatchpartyBot) -> None:
        self.bot = bot
        self.service = bot.parties

    async def post(
        self, channel: discord.abc.Messageable, party: Party, *, nonce: str | None = None
    ) -> discord.Message:
        """Announce a party in ``channel`` and remember the card. ``nonce``: a timed post's
        (a retry posts it once)."""
        title, rsvps = await self.service.card(party)
        role = party.role_id
        extra: dict[str, Any] = {"nonce": nonce} if nonce else {}
        message = await channel.send(
            seat_view.announcement(role) if role else None,
            embed=view.card(party, title, rsvps),
            view=rsvp_view(party, title) or discord.utils.MISSING,
            # Exactly the party's role (checked when it was chosen), never anyone else.
            allowed_mentions=discord.AllowedMentions(
                everyone=False, users=False, replied_user=False, roles=[discord.Object(role)]
            )
            if role
            else discord.AllowedMentions.none(),
            **extra,
        )
        await self.service.attach_card(party.id, message.id)
        return message

    async def find_card(
        self, channel: discord.abc.Messageable, party: Party
    ) -> discord.Message | None:
        """The party's card among the channel's recent messages, remembered if found: a
        re-run after a crash that came after Discord took the card but before it was
        remembered (long after, when Discord no longer knows the nonce)."""
        buttons = f"wp:rsvp:{party.id}:"
        me = self.bot.user
        try:
            async for message in channel.history(limit=CARD_LOOKBACK):
                if me is not None and message.author.id == me.id and _has_button(message, buttons):
                    await self.service.attach_card(party.id, message.id)
                    return message
        except discord.HTTPException as error:  # no Read Message History: post it
            log.warning("Could not look for the card of party %s: %s", party.id, error)
        return None

    async def start_thread(
        self, card: discord.Message | discord.PartialMessage, party: Party, film_title: str
    ) -> str:
        """Start the party's thread on its card (reminders and pings go there); a line for
        the host. A thread that can't be made leaves the pings in the channel."""
        try:
            thread = await card.create_thread(
                name=seat_view.thread_name(party, film_title), auto_archive_duration=10080
            )
            thread_id = thread.id
        except discord.HTTPException as error:
            if error.code == THREAD_EXISTS:  # a re-run (a roll-over after a crash) made it
                thread_id = card.id  # a thread started from a message has the message's id
            else:
                log.warning("Could not start a thread for party %s: %s", party.id, error)
                return seat_view.thread_failed(error.text or str(error.status))
        await self.service.attach_thread(party.id, thread_id)
        return seat_view.thread_made(thread_id)

    async def refresh(self, party: Party, *, retext: bool = False) -> None:
        """Edit the announcement in place; ``retext``: its role changed, so write the card's
        text (the role line, or none) again (an edit pings no one)."""
        if party.message_id is None:
            return
        title, rsvps = await self.service.card(party)
        channel = self.bot.get_partial_messageable(party.channel_id)
        role = party.role_id
        text: dict[str, Any] = (
            {
                "content": seat_view.announcement(role) if role else None,
                "allowed_mentions": discord.AllowedMentions.none(),
            }
            if retext
            else {}
        )
        try:
            await channel.get_partial_message(party.message_id).edit(
                embed=view.card(party, title, rsvps), view=rsvp_view(party, title), **text
            )
        except discord.HTTPException as error:
            log.warning("Could not update the card of party %s: %s", party.id, error)

    async def move(self, old: Party, party: Party) -> str:
        """The party moved channel: announce it there and retire the old card; a line for the
        host."""
        target = self.bot.get_partial_messageable(party.channel_id)
        try:
            message = await self.post(target, party)
        except discord.HTTPException as error:
            log.warning("Could not announce party %s in its new channel: %s", party.id, error)
            return view.card_not_moved(party.channel_id)
        if old.message_id is not None:
            stale = self.bot.get_partial_messageable(old.channel_id).get_partial_message(
                old.message_id
            )
            try:
                await stale.delete()
            except discord.HTTPException as error:
                log.warning("Could not remove the old card of party %s: %s", party.id, error)
        return f"\nAnnounced again in <#{party.channel_id}>: {message.jump_url}"

    async def sync_event(
        self,
        guild: discord.Guild | None,
        party: Party,
        film_title: str,
        *,
        allowed: bool,
        rerun: bool = False,
    ) -> str:
        """Create or update the native scheduled event; ``allowed``: the bot has Manage Events;
        ``rerun``: the work may have been done before a crash, so an event the bot made for
        the party already is taken rather than made again. Returns a line for the host."""
        if guild is None or party.cancelled:  # a cancelled party's event was deleted
            return ""
        if not allowed:
            if await self.bot.preferences.claim_events_notice(guild.id):
                return view.NO_EVENTS_NOTICE
            return ""
        channel = guild.get_channel(party.channel_id)
        options = view.event_options(party, film_title, getattr(channel, "name", None))
        kwargs: dict = {
            "name": options.name,
            "description": options.description,
            "start_time": party.starts_at,
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
                "location": options.location,
                "end_time": options.end,
            }
        try:
            if party.event_id:
                try:
                    event = await guild.fetch_scheduled_event(party.event_id)
                    await event.edit(**kwargs)
                    return ""
                except discord.NotFound:
                    pass  # someone deleted the event: make a new one
            if rerun:  # listing the server's events costs: only when one may exist already
                events = await guild.fetch_scheduled_events(with_counts=False)
                made = _made_before(events, self.bot.user.id if self.bot.user else None, kwargs)
                if made is not None:
                    await self.service.attach_event(party.id, made.id)
                    return ""
            # A full server (100 events, Discord's limit) refuses with EVENTS_LIMIT, below.
            event = await guild.create_scheduled_event(**kwargs)
            await self.service.attach_event(party.id, event.id)
        except discord.HTTPException as error:
            if error.code == EVENTS_LIMIT:  # the 100th was made since the count (elsewhere)
                return EVENTS_FULL_NOTICE
            log.warning("Scheduled event for party %s failed: %s", party.id, error)
            return view.EVENT_FAILED_NOTICE
        return ""

    async def delete_event(self, guild: discord.Guild | None, party: Party) -> None:
        """Remove a party's native event (someone may have deleted it already)."""
        if guild is None or not party.event_id:
            return
        try:
            event = guild.get_scheduled_event(party.event_id) or await guild.fetch_scheduled_event(
                party.event_id
            )
            await event.delete()
        except discord.NotFound:
            pass  # someone deleted it already
        except discord.HTTPException as error:
            log.warning("Could not delete the event of party %s: %s", party.id, error)
            return
        await self.service.attach_event(party.id, None)


def _has_button(message: discord.Message, prefix: str) -> bool:
    """Whether a message has a button whose custom id starts with ``prefix``."""
    return any(
        getattr(child, "custom_id", None) is not None and child.custom_id.startswith(prefix)
        for row in message.components
        for child in getattr(row, "children", ())
    )
