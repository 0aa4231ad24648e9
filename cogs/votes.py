"""/watchparty vote: members pick a party's film with buttons that survive restarts.

The command joins the /watchparty group that cogs.watchparty makes (a second GroupCog can't
share a group). At the deadline the votes service closes the vote; :class:`VoteMessages` then
updates the vote message, the party's card and its native event, without an interaction.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import discord
from discord import app_commands

from bot.app import WatchpartyBot
from bot.domain import parties as party_rules
from bot.domain.votes import CANCELLED, Closed, Vote
from bot.errors import BadOption
from bot.render import votes as view
from cogs.cards import PartyCards, report
from cogs.options import FilmOrTitleArg, ours, require_postable

log = logging.getLogger(__name__)

FILM_HELP = "A film to offer (any title)"


class VoteButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"wp:vote:(?P<vote>\d+):(?P<choice>\d+)",
):
    """One film of a vote: the vote and the choice are in the custom id, so it survives
    restarts."""

    def __init__(self, vote_id: int, choice: int, label: str = "?") -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.primary,
                custom_id=f"wp:vote:{vote_id}:{choice}",
            )
        )
        self.vote_id = vote_id
        self.choice = choice

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> VoteButton:
        return cls(int(match["vote"]), int(match["choice"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        votes = ours(interaction).client.votes
        try:
            ballot = await votes.cast(self.vote_id, interaction.user.id, self.choice)
            # The counts change in place; the voter alone is told what was recorded.
            await interaction.response.edit_message(
                embed=view.vote_card(ballot.vote, ballot.counts), view=vote_view(ballot.vote)
            )
            await interaction.followup.send(
                view.cast_reply(ballot.vote, ballot.choice, ballot.before), ephemeral=True
            )
        except Exception as error:
            await report(interaction, error)
            return
        await catch_up(interaction, ballot.vote.id, ballot.counts)


#: How many times one click edits the vote message again to catch up with others.
CATCH_UPS = 3


async def catch_up(interaction: discord.Interaction, vote_id: int, shown: tuple[int, ...]) -> None:
    """Two clicks at the same instant each edit the message with the counts their own ballot
    saw, and Discord may apply the older edit last. So once its edit has landed, a click looks
    at the counts again and, if they moved on, edits once more: the last edit to land is then
    always made after every earlier ballot committed. (One GROUP BY per click; rarely an edit.)"""
    votes = ours(interaction).client.votes
    try:
        for _ in range(CATCH_UPS):
            latest = await votes.taking_ballots(vote_id)
            if latest is None or latest[1] == shown:
                return  # up to date, or closing: the close's own edit shows the result
            vote, shown = latest
            await interaction.edit_original_response(embed=view.vote_card(vote, shown))
    except Exception as error:  # the ballot is in and its voter told: this is only cosmetic
        log.warning("Could not bring vote %s's counts up to date: %s", vote_id, error)


def vote_view(vote: Vote) -> discord.ui.View | None:
    """A button per film, five to a row; a closed vote has none."""
    if not vote.open:
        return None
    buttons = discord.ui.View(timeout=None)
    for index, choice in enumerate(vote.choices):
        button = VoteButton(vote.id, index, view.ballot_label(index, choice.title))
        button.item.row = index // 5
        buttons.add_item(button)
    return buttons


class VoteMessages:
    """What shows a vote's close: the vote message, and the party's card and native event."""

    def __init__(self, bot: WatchpartyBot) -> None:
        self.bot = bot
        self.cards = PartyCards(bot)

    async def closed(self, closed: Closed) -> None:
        """Listener of :attr:`Votes.on_close`; Discord errors are logged (the voters are still
        told), a repeat after a crash edits the same things again."""
        vote, party = closed.vote, closed.party
        title = await self.bot.votes.film_title(party)
        if vote.message_id is not None:
            message = self.bot.get_partial_messageable(vote.channel_id).get_partial_message(
                vote.message_id
            )
            try:
                await message.edit(
                    embed=view.vote_card(vote, closed.counts, closed, title), view=None
                )
            except discord.HTTPException as error:
                log.warning("Could not show the result of vote %s: %s", vote.id, error)
        if closed.won is None or closed.kept_because is not None:
            return  # the party's film did not change
        await self.cards.refresh(party)
        guild = self.bot.get_guild(party.guild_id)
        if party.event_id and guild is not None:
            allowed = guild.me.guild_permissions.manage_events if guild.me else True
            await self.cards.sync_event(guild, party, title, allowed=allowed)

    async def show(self, vote: Vote, counts: tuple[int, ...]) -> None:
        """Listener of :attr:`Votes.on_show`: the party moved the deadline (the open vote with
        its new one) or was cancelled (closed, buttons gone). A closed vote is left to its
        close. Discord errors are logged: the vote itself is already right."""
        if vote.open:
            embed, buttons = view.vote_card(vote, counts), vote_view(vote)
        elif vote.status == CANCELLED:
            embed, buttons = view.called_off_card(vote, counts), None
        else:
            return
        assert vote.message_id is not None  # the service shows only posted votes
        message = self.bot.get_partial_messageable(vote.channel_id).get_partial_message(
            vote.message_id
        )
        try:
            await message.edit(embed=embed, view=buttons)
        except discord.HTTPException as error:
            log.warning("Could not update the message of vote %s: %s", vote.id, error)


@app_commands.describe(
    id="The party number (see /watchparty list)",
    closes="When voting ends, e.g. 'thu 20:00' or 'in 2 days' (a minute before the start at the latest)",
    film1=FILM_HELP,
    film2=FILM_HELP,
    film3=FILM_HELP,
    film4=FILM_HELP,
    film5=FILM_HELP,
    film6=FILM_HELP,
    film7=FILM_HELP,
    film8=FILM_HELP,
    film9=FILM_HELP,
    film10=FILM_HELP,
)
async def vote(
    interaction: discord.Interaction,
    id: app_commands.Range[int, 1],
    closes: app_commands.Range[str, 1, 100],
    film1: FilmOrTitleArg,
    film2: FilmOrTitleArg,
    film3: FilmOrTitleArg | None = None,
    film4: FilmOrTitleArg | None = None,
    film5: FilmOrTitleArg | None = None,
    film6: FilmOrTitleArg | None = None,
    film7: FilmOrTitleArg | None = None,
    film8: FilmOrTitleArg | None = None,
    film9: FilmOrTitleArg | None = None,
    film10: FilmOrTitleArg | None = None,
) -> None:
    """Let members vote on the party's film (host or Manage Events)."""
    bot = ours(interaction).client
    await interaction.response.defer(ephemeral=True, thinking=True)
    party = await bot.parties.active(id, interaction.guild_id)
    bot.parties.check_may_change(party, interaction.user.id, interaction.permissions.manage_events)
    channel = interaction.guild.get_channel(party.channel_id) if interaction.guild else None
    if isinstance(channel, discord.abc.GuildChannel | discord.Thread):
        require_postable(channel, interaction.guild.me if interaction.guild else None, embeds=True)
    films = [
        f for f in (film1, film2, film3, film4, film5, film6, film7, film8, film9, film10) if f
    ]
    opened, notes = await bot.votes.open(
        party, films=films, closes=closes, user_id=interaction.user.id
    )
    target = bot.get_partial_messageable(party.channel_id, guild_id=party.guild_id)
    try:
        message = await target.send(
            embed=view.vote_card(opened, [0] * len(opened.choices)),
            view=vote_view(opened) or discord.utils.MISSING,
        )
    except discord.HTTPException as error:
        await bot.votes.withdraw(opened)
        raise BadOption(
            view.post_failed(party.channel_id, error.text or str(error.status))
        ) from error
    await bot.votes.attach_message(opened.id, message.id)
    unchecked = any(isinstance(f, party_rules.TypedTitle) and f.unchecked for f in films)
    extra = (party_rules.UNCHECKED_NOTE,) if unchecked else ()
    await interaction.followup.send(
        view.opened(opened, message.jump_url, (*notes, *extra)), ephemeral=True
    )


async def setup(bot: WatchpartyBot) -> None:
    bot.add_dynamic_items(VoteButton)
    group = bot.tree.get_command("watchparty")
    if not isinstance(group, app_commands.Group):
        raise RuntimeError("cogs.votes needs cogs.watchparty loaded first")
    group.add_command(
        app_commands.command(name="vote", description="Let members vote on a party's film")(vote)
    )
    messages = VoteMessages(bot)
    bot.votes.on_close.append(messages.closed)
    bot.votes.on_show.append(messages.show)
