"""/watchparty: schedule a viewing, RSVP with buttons, edit, cancel, export to a calendar."""

from __future__ import annotations

import functools
import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import WatchpartyBot
from bot.domain import hearing, recurrence
from bot.domain import parties as rules
from bot.domain import seats as seat_rules
from bot.domain.parties import Party
from bot.domain.usertext import plain
from bot.domain.when import OFF
from bot.errors import BadOption
from bot.render import hearing as hearing_view
from bot.render import parties as view
from bot.render import seats as seat_view
from bot.render import series as series_view
from bot.render.series import EVENTS_FULL_NOTICE
from bot.scheduler import Outgoing
from bot.storage.outbox import Delivery
from cogs.cards import IcsButton, PartyCards, ReminderButton, RsvpButton, send_ics
from cogs.options import FilmOrTitleArg, Zone, require_postable

log = logging.getLogger(__name__)

Postable = discord.TextChannel | discord.Thread | discord.VoiceChannel

REPEAT_CHOICES = [
    app_commands.Choice(name="Every week", value=recurrence.WEEKLY),
    app_commands.Choice(name="Every 2 weeks", value=recurrence.FORTNIGHTLY),
    app_commands.Choice(
        name="Monthly, same weekday (e.g. 1st Friday)", value=recurrence.MONTHLY_WEEKDAY
    ),
    app_commands.Choice(
        name="Monthly, last weekday (e.g. last Friday)", value=recurrence.MONTHLY_LAST
    ),
    app_commands.Choice(name="Monthly, same day of the month", value=recurrence.MONTHLY_DAY),
]
REMOVE_CHOICES = [
    app_commands.Choice(name="role ping", value=seat_rules.ROLE_PING),
    app_commands.Choice(name="seat limit", value=seat_rules.SEAT_LIMIT),
]
THIS, SERIES = "this", "series"
SCOPE_CHOICES = [
    app_commands.Choice(name="This party only", value=THIS),
    app_commands.Choice(name="This and every later party of the series", value=SERIES),
]


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

    @staticmethod
    def _pingable(role: discord.Role | None, channel: Postable) -> int | None:
        """The role's id, if the bot may ping it in ``channel``; else the reason, as an error."""
        if role is None:
            return None
        me = channel.guild.me
        check = seat_rules.RoleCheck(
            is_default=role.is_default(),
            managed=role.managed,
            mentionable=role.mentionable,
            bot_may_mention_everyone=me is not None
            and channel.permissions_for(me).mention_everyone,
        )
        problem = seat_rules.role_problem(check, f"**@{plain(role.name)}**")
        if problem:
            raise BadOption(problem)
        return role.id

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
        repeat="Make it a series: the same local time every week, every 2 weeks or monthly",
        until="Last date of the series, e.g. 2026-06-30 (with repeat)",
        times="How many parties the series has in all (with repeat)",
        announce="How long after a party ends the next is announced, e.g. '1d' (default: at once)",
        capacity="Seats (1-1000); beyond them members join a waitlist",
        role="A role to ping at the announcement and at the start",
        thread="Start a thread on the card for reminders and pings (default: no)",
    )
    @app_commands.choices(repeat=REPEAT_CHOICES)
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
        repeat: app_commands.Choice[str] | None = None,
        until: app_commands.Range[str, 1, 30] | None = None,
        times: app_commands.Range[int, 1, 1000] | None = None,
        announce: app_commands.Range[str, 1, 30] | None = None,
        capacity: app_commands.Range[int, seat_rules.CAPACITY_MIN, seat_rules.CAPACITY_MAX]
        | None = None,
        role: discord.Role | None = None,
        thread: bool = False,
    ) -> None:
        assert interaction.guild_id is not None  # a guild-only command
        if repeat is None and (until, times, announce) != (None, None, None):
            raise BadOption(series_view.repeat_needed())
        await interaction.response.defer(ephemeral=True, thinking=True)
        target = await self._target_channel(interaction, channel)
        role_id = self._pingable(role, target)
        make = (
            functools.partial(
                self.bot.series.create,
                repeat=repeat.value,
                until=until,
                times=times,
                announce=announce,
                thread=thread,
            )
            if repeat is not None
            else self.service.create
        )
        result = await make(
            guild_id=interaction.guild_id,
            host_id=interaction.user.id,
            channel_id=target.id,
            film=film,
            when=when,
            zone=timezone,
            voice_channel_id=voice_channel.id if voice_channel else None,
            note=note,
            reminders=reminders,
            capacity=capacity,
            role_id=role_id,
        )
        try:
            message = await self.cards.post(target, result.party)
        except discord.HTTPException as error:
            # Nobody but the host has seen it, so nobody is told; a series goes altogether
            # (its roll-over would announce parties of a series the host was told isn't made).
            if result.party.series is not None:
                await self.bot.series.cancel_series(result.party, interaction.user.id)
            else:
                await self.service.cancel(result.party, by=interaction.user.id, notify=False)
            raise BadOption(
                view.card_failed(target.mention, error.text or str(error.status))
            ) from error
        extra = await self.cards.sync_event(
            interaction.guild,
            result.party,
            result.title,
            allowed=interaction.app_permissions.manage_events,
        )
        if thread:
            extra += await self.cards.start_thread(message, result.party, result.title)
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
        timezone="Zone the new time is in (default: the party's)",
        film="Another film (any title)",
        channel="Another channel for the announcement and pings",
        note=f"A new note ('{rules.CLEAR_NOTE}' clears it)",
        scope="For a series: this party only (default), or it and every later one",
        capacity="Seats (1-1000); raising it seats the first on the waitlist",
        role="A role to ping at the start",
        remove="Take away the party's role ping or its seat limit (the waitlist gets seats)",
    )
    @app_commands.choices(scope=SCOPE_CHOICES, remove=REMOVE_CHOICES)
    async def edit(
        self,
        interaction: discord.Interaction,
        id: app_commands.Range[int, 1],
        when: app_commands.Range[str, 1, 100] | None = None,
        timezone: Zone | None = None,
        film: FilmOrTitleArg | None = None,
        channel: Postable | None = None,
        note: app_commands.Range[str, 1, rules.NOTE_MAX] | None = None,
        scope: app_commands.Choice[str] | None = None,
        capacity: app_commands.Range[int, seat_rules.CAPACITY_MIN, seat_rules.CAPACITY_MAX]
        | None = None,
        role: discord.Role | None = None,
        remove: app_commands.Choice[str] | None = None,
    ) -> None:
        removing = remove.value if remove is not None else None
        if seat_rules.clashes(removing, capacity, role.id if role is not None else None):
            assert removing is not None
            raise BadOption(seat_view.removal_clash(removing))
        await interaction.response.defer(ephemeral=True, thinking=True)
        party = await self.service.active(id, interaction.guild_id)
        self.service.check_may_change(
            party, interaction.user.id, interaction.permissions.manage_events
        )
        whole = _whole_series(party, scope)
        target: Postable | None = None
        if channel is not None:
            target = await self._target_channel(interaction, channel)
        elif role is not None and interaction.guild is not None:
            found = interaction.guild.get_channel_or_thread(party.channel_id)
            target = found if isinstance(found, Postable) else None
        role_id = self._pingable(role, target) if target is not None else None
        changes = {
            "when": when,
            "zone": timezone,
            "editor_id": interaction.user.id,
            "film": film,
            "channel_id": channel.id if channel else None,
            "note": note,
            "capacity": capacity,
            "role_id": role_id,
            "remove": removing,
        }
        if whole:
            party, result = await self.bot.series.edit_series(party, **changes)
        else:
            result = await self.service.edit(party, **changes)  # type: ignore[arg-type]
        moved = ""
        if result.party.channel_id != party.channel_id:
            moved = await self.cards.move(party, result.party)
        else:  # a role replaced or removed: no stale mention left on the card
            await self.cards.refresh(result.party, retext=result.party.role_id != party.role_id)
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
    @app_commands.describe(
        id="The party number",
        scope="For a series: this party only (default; the series goes on), or the whole series",
    )
    @app_commands.choices(scope=SCOPE_CHOICES)
    async def cancel(
        self,
        interaction: discord.Interaction,
        id: app_commands.Range[int, 1],
        scope: app_commands.Choice[str] | None = None,
    ) -> None:
        party = await self.service.get(id, interaction.guild_id)
        whole = _whole_series(party, scope)
        if not whole:
            party = await self.service.active(id, interaction.guild_id)
        self.service.check_may_change(
            party, interaction.user.id, interaction.permissions.manage_events
        )
        await interaction.response.defer(ephemeral=True, thinking=True)
        by = interaction.user.id
        if party.series is None:
            cancelled = [await self.service.cancel(party, by=by)]
            text = view.cancelled(party)
        elif whole:
            cancelled = await self.bot.series.cancel_series(party, by)
            text = series_view.series_cancelled(party.series.series_id)
        else:
            cancelled = [await self.bot.series.cancel_one(party, by)]
            text = series_view.occurrence_cancelled(party.id, party.series.series_id)
        for gone in cancelled:
            await self.cards.refresh(gone)
            await self.cards.delete_event(interaction.guild, gone)
        await interaction.followup.send(text, ephemeral=True)

    @app_commands.command(name="ics", description="Download a watch party as a calendar file")
    @app_commands.describe(id="The party number")
    async def ics(self, interaction: discord.Interaction, id: app_commands.Range[int, 1]) -> None:
        await send_ics(interaction, await self.service.get(id, interaction.guild_id))

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
            hearing_view.reminders_state(result),
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


async def roll_over(bot: WatchpartyBot, cards: PartyCards, delivery: Delivery) -> None:
    """A series' roll-over row: make its next occurrence, post its card (with the row's nonce,
    so a re-run after a crash posts it once; the series' role is pinged on it), start its
    thread if the series has them, and its native event. Safe to run again, even long after:
    a card or event made before a crash but not remembered is found and taken."""
    party = await bot.series.roll_over(delivery)
    if party is None or party.cancelled:  # a re-run: cancelled since it was made
        return
    # guild_id: a thread can only be started from a message that knows its server
    channel = bot.get_partial_messageable(party.channel_id, guild_id=party.guild_id)
    card: discord.Message | discord.PartialMessage | None = None
    # A row claimed before (a crash, a failure) may have done some of the work already.
    rerun = delivery.attempts > 1
    # A cancel (of the series, or of this occurrence) may commit at any step below: it
    # retires the card and event it sees, so each step that made one reads the party again
    # and retires its own if the cancel came first.
    if party.message_id is None:
        found = await cards.find_card(channel, party) if rerun else None
        card = found or await cards.post(channel, party, nonce=delivery.nonce)
        party = await bot.parties.get(party.id, party.guild_id)
        if party.cancelled:
            await cards.refresh(party)  # says Cancelled, no buttons; no thread, no event
            return
    elif party.thread_id is None:
        card = channel.get_partial_message(party.message_id)
    if card is not None and party.thread_id is None and await bot.series.wants_thread(party):
        await cards.start_thread(card, party, await bot.parties.film_title(party))
    if party.event_id is None:
        guild = bot.get_guild(party.guild_id) or await bot.fetch_guild(party.guild_id)
        me = guild.me
        allowed = me.guild_permissions.manage_events if me is not None else True
        title = await bot.parties.film_title(party)
        made = await cards.sync_event(guild, party, title, allowed=allowed, rerun=rerun)
        party = await bot.parties.get(party.id, party.guild_id)
        if party.cancelled:
            await cards.refresh(party)
            await cards.delete_event(guild, party)
            return
        if made == EVENTS_FULL_NOTICE:
            await cards.refresh(await bot.series.note(party, recurrence.NO_EVENT))


def _whole_series(party: Party, scope: app_commands.Choice[str] | None) -> bool:
    """Whether a command applies to the party's whole series; a one-off has only "this"."""
    if scope is None or scope.value == THIS:
        return False
    if party.series is None:
        raise BadOption(series_view.series_needed(party.id))
    return True


def _with_unchecked(notes: tuple[str, ...], film: object) -> tuple[str, ...]:
    """The service's notes, and a word when a typed title was taken because TMDB was down."""
    unchecked = isinstance(film, rules.TypedTitle) and film.unchecked
    return (*notes, rules.UNCHECKED_NOTE) if unchecked else notes


async def setup(bot: WatchpartyBot) -> None:
    bot.add_dynamic_items(RsvpButton, ReminderButton, IcsButton)
    cog = WatchpartyCog(bot)

    async def build_roll_over(delivery: Delivery, late: bool) -> list[Outgoing]:
        await roll_over(bot, cog.cards, delivery)
        return []  # the card is the message; posted above with the row's nonce

    bot.scheduler.register(
        recurrence.ROLL_OVER, build_roll_over, bot.series.report_failure, expires=False
    )
    await bot.add_cog(cog)
