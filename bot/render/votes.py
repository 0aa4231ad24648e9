"""Film-vote messages: the vote itself (open and closed), the host's and voters' replies, the
result notice."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import discord

from bot.domain import clock_text, zones
from bot.domain import votes as rules
from bot.domain.usertext import plain
from bot.domain.votes import Closed, Vote
from bot.render import COLOUR, EMBED_DESCRIPTION_LIMIT, clip, sent_late, timestamp

#: Discord's limit for a button label.
LABEL_LIMIT = 80


def _shown(title: str) -> str:
    """A film's title in message text: typed by a member (or catalogue text), so plain."""
    return plain(clip(title, 200))


def ballot_label(index: int, title: str) -> str:
    """A vote button: its number and the film's title (labels are plain text, not markdown)."""
    return clip(f"{index + 1}. {title}", LABEL_LIMIT)


def _votes(count: int) -> str:
    return "1 vote" if count == 1 else f"{count} votes"


def _lines(vote: Vote, counts: Sequence[int], won: int | None = None) -> str:
    lines = []
    for index, (choice, count) in enumerate(zip(vote.choices, counts, strict=True)):
        mark = " 🏆" if index == won else ""
        lines.append(f"**{index + 1}.** {_shown(choice.title)} · {_votes(count)}{mark}")
    return clip("\n".join(lines), EMBED_DESCRIPTION_LIMIT)


def vote_card(
    vote: Vote,
    counts: Sequence[int],
    closed: Closed | None = None,
    current_title: str | None = None,
) -> discord.Embed:
    """The vote message: the films with their counts, the deadline and the tie rule; once
    closed, the result (``current_title``: the party's film then) instead of the deadline."""
    if closed is None:
        embed = discord.Embed(
            title=f"🗳️ Vote: which film for watch party #{vote.party_id}?",
            description=_lines(vote, counts),
            colour=COLOUR,
        )
        embed.add_field(
            name="Closes",
            value=f"{timestamp(vote.closes_at, 'R')} ({timestamp(vote.closes_at)})",
            inline=False,
        )
        embed.set_footer(
            text=f"One vote each; click another film to change yours. {rules.TIE_RULE}"
        )
        return embed
    embed = discord.Embed(
        title=f"🗳️ Vote closed: watch party #{vote.party_id}",
        description=_lines(vote, counts, closed.vote.winner),
        colour=COLOUR,
    )
    embed.add_field(name="Result", value=outcome(closed, current_title), inline=False)
    embed.set_footer(text=rules.TIE_RULE)
    return embed


PARTY_CANCELLED = "The watch party was cancelled, so the vote is closed."


def called_off_card(vote: Vote, counts: Sequence[int]) -> discord.Embed:
    """The vote message once its party was cancelled: the counts as they stood, no winner."""
    embed = discord.Embed(
        title=f"🗳️ Vote closed: watch party #{vote.party_id}",
        description=_lines(vote, counts),
        colour=COLOUR,
    )
    embed.add_field(name="Result", value=PARTY_CANCELLED, inline=False)
    return embed


def outcome(closed: Closed, current_title: str | None = None) -> str:
    """What the vote decided, in one sentence."""
    won = closed.won
    if closed.kept_because == rules.PARTY_CANCELLED:
        return PARTY_CANCELLED
    if won is None:
        stays = f" **{_shown(current_title)}**" if current_title else " film"
        return f"Nobody voted, so the party's{stays} stays."
    tally = _votes(closed.counts[closed.vote.winner or 0])
    if closed.kept_because == rules.PARTY_OVER:
        return f"**{_shown(won.title)}** won ({tally}), but the party is over, so nothing changed."
    tied = closed.counts.count(max(closed.counts)) > 1
    tie = " (a tie: it was offered first)" if tied else ""
    return f"**{_shown(won.title)}** won with {tally}{tie}. It's the party's film now."


def result_notice(closed: Closed, current_title: str, late: bool) -> str:
    """The channel message that tells the voters (their mentions follow, one line)."""
    head = f"🗳️ The film vote for watch party #{closed.vote.party_id} has closed. "
    return sent_late(head + outcome(closed, current_title), late)


def closed_answer(vote: Vote) -> str:
    """A click on a vote that is closed."""
    if vote.status == rules.CLOSED and vote.winner is not None:
        won = vote.choices[vote.winner].title
        return f"The vote is closed: **{_shown(won)}** won."
    return "The vote is closed, so ballots can't be changed any more."


def cast_reply(vote: Vote, choice: int, before: int | None) -> str:
    """The voter's private confirmation."""
    title = _shown(vote.choices[choice].title)
    closes = timestamp(vote.closes_at, "R")
    if before == choice:
        return f"You already voted for **{title}**. The vote closes {closes}."
    if before is not None:
        was = _shown(vote.choices[before].title)
        return f"Changed your vote to **{title}** (was {was}). The vote closes {closes}."
    return f"You voted for **{title}**. Change it any time before the vote closes {closes}."


def opened(vote: Vote, jump_url: str, notes: Sequence[str]) -> str:
    """The host's reply."""
    lines = [
        f"Vote open for watch party #{vote.party_id}: {len(vote.choices)} films, closing "
        f"{timestamp(vote.closes_at)} ({timestamp(vote.closes_at, 'R')}). {jump_url}",
        f"-# {rules.TIE_RULE} The winner becomes the party's film. {rules.MOVED_RULE}",
    ]
    lines += [f"-# {note}" for note in notes]
    return "\n".join(lines)


def post_failed(channel_id: int, reason: str) -> str:
    return (
        f"I couldn't post the vote in <#{channel_id}> ({clip(reason, 100)}), so there's no vote. "
        "Check my permissions there."
    )


def deadline_too_late(latest: datetime, zone_key: str) -> str:
    """A deadline after :func:`rules.latest_close`: the latest allowed, on the clock the
    member's time was read on (and as a timestamp)."""
    local = clock_text.format_local(latest, zones.zone_from_key(zone_key))
    return (
        f"The vote has to close at least {rules.MARGIN_WORDS} before the party starts, so "
        f"**{local}** ({zones.zone_label(zone_key)}) at the latest, which is "
        f"{timestamp(latest)} for everyone. Pick an earlier time."
    )
