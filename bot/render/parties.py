"""Watch-party messages: the announcement card, pings, DMs, lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import discord

from bot.domain import clock_text, zones
from bot.domain import parties as rules
from bot.domain.parties import Party
from bot.domain.pings import ZoneGroup
from bot.domain.seats import WAITING
from bot.domain.usertext import plain
from bot.domain.when import format_duration
from bot.render import (
    COLOUR,
    EMBED_FIELD_LIMIT,
    MESSAGE_LIMIT,
    clip,
    clock_label,
    mention,
    sent_late,
    timestamp,
)
from bot.render import series as series_render

NO_EVENTS_NOTICE = (
    "\n-# I don't have the **Manage Events** permission here, so watch parties get no Discord "
    "event. Everything else works; give me the permission to add events. (I'll say this once.)"
)
EVENT_FAILED_NOTICE = "\n-# I couldn't create or update the Discord event for this party."


def _names(user_ids: list[int], limit: int = EMBED_FIELD_LIMIT) -> str:
    if not user_ids:
        return "nobody yet"
    text = ""
    for shown, user_id in enumerate(user_ids):
        token = (", " if text else "") + mention(user_id)
        if len(text) + len(token) > limit - 20:
            return f"{text} and {len(user_ids) - shown} more"
        text += token
    return text


def _shown(film_title: str) -> str:
    """A film's title inside a message: typed by a member for a film no catalogue knows (or
    for a film added in a server), so it reads as typed and never pings."""
    return plain(clip(film_title, 200))


def card(party: Party, film_title: str, rsvps: dict[int, str]) -> discord.Embed:
    """The announcement: film, start/end, host, note, who is going."""
    going = [u for u, s in rsvps.items() if s == rules.GOING]
    maybe = [u for u, s in rsvps.items() if s == rules.MAYBE]
    shown = _shown(film_title)
    title = f"🎬 Watch party: {shown}"
    if party.cancelled:
        title = f"❌ Cancelled: {shown} watch party"
    embed = discord.Embed(title=clip(title, 256), colour=COLOUR)
    if party.end_assumed:
        embed.description = "I have no details for this film."
    when = f"{timestamp(party.starts_at)} ({timestamp(party.starts_at, 'R')})"
    if party.cancelled:  # no countdown to a party that won't happen
        when = f"Cancelled (it was to start {timestamp(party.starts_at)})"
    elif party.ends_at and party.end_assumed:
        hours = int(rules.ASSUMED_RUNTIME / timedelta(hours=1))
        when += f"\nEnds about {timestamp(party.ends_at, 't')}, assuming {hours} hours"
    elif party.ends_at:
        when += f"\nEnds about {timestamp(party.ends_at, 't')}"
    embed.add_field(name="When", value=when, inline=False)
    if party.series is not None:
        embed.add_field(name="Repeats", value=series_render.card_value(party.series), inline=False)
    embed.add_field(name="Host", value=mention(party.host_id), inline=True)
    if party.voice_channel_id:
        embed.add_field(name="Where", value=f"<#{party.voice_channel_id}>", inline=True)
    if party.note:
        embed.add_field(name="Note", value=clip(plain(party.note), EMBED_FIELD_LIMIT), inline=False)
    seats = f"{len(going)}/{party.capacity}" if party.capacity else str(len(going))
    embed.add_field(name=f"Going ({seats})", value=_names(going), inline=False)
    embed.add_field(name=f"Maybe ({len(maybe)})", value=_names(maybe), inline=False)
    waiting = [u for u, s in rsvps.items() if s == WAITING]  # in line order
    if waiting or party.capacity:
        embed.add_field(name=f"Waiting ({len(waiting)})", value=_names(waiting), inline=False)
    embed.set_footer(text=f"Party #{party.id} · times show in your own time zone")
    return embed


def interpretation(party: Party, notes: tuple[str, ...], verb: str = "Scheduled") -> str:
    """Tell the host exactly how their time was read, so a misread is caught at once."""
    tz = zones.zone_from_key(party.zone_key)
    lines = [
        f"{verb} watch party #{party.id}: **{clock_text.format_local(party.starts_at, tz)}** "
        f"({zones.zone_label(party.zone_key)}), which is {timestamp(party.starts_at)} for everyone."
    ]
    if party.reminders:
        leads = ", ".join(format_duration(r) for r in party.reminders)
        lines.append(f"Reminders: {leads} before.")
    lines += [f"-# {n}" for n in notes]
    return "\n".join(lines)


def ping_header(party: Party, film_title: str, kind: str, late: bool) -> str:
    film_title = _shown(film_title)
    if kind == rules.START:
        text = f"🎬 The **{film_title}** watch party is starting now!"
    else:
        text = (
            f"⏰ Reminder: the **{film_title}** watch party starts {timestamp(party.starts_at, 'R')} "
            f"({timestamp(party.starts_at, 't')})."
        )
    if party.voice_channel_id:
        text += f" Join <#{party.voice_channel_id}>."
    return sent_late(text, late)


def dm(party: Party, film_title: str, kind: str, line: ZoneGroup, late: bool) -> str:
    """One member's reminder or start ping by DM, their ``line`` read as in a channel ping."""
    head = "is starting now" if kind == rules.START else f"starts {timestamp(party.starts_at, 'R')}"
    text = (
        f"The **{_shown(film_title)}** watch party (#{party.id}) {head}: {clock_label(line)}. "
        f"<#{party.channel_id}>"
    )
    return sent_late(text, late)


def failure(party: Party, reason: str) -> str:
    return (
        f"I couldn't post the reminders for your watch party #{party.id} in <#{party.channel_id}> "
        f"({clip(reason, 200)}). Check my permissions there, or move it with "
        f"`/watchparty edit id:{party.id} channel:`."
    )


def line(party: Party, film_title: str, extra: str = "") -> str:
    return (
        f"**#{party.id}** {_shown(film_title)}: {timestamp(party.starts_at)} ({timestamp(party.starts_at, 'R')})"
        f" · host {mention(party.host_id)}{extra}"
    )


def _lines_within(lines: list[str], limit: int = MESSAGE_LIMIT) -> str:
    """Whole lines only, with "… and N more" when they don't all fit in one message."""
    out: list[str] = []
    size = 0
    for shown, text in enumerate(lines):
        more = f"… and {len(lines) - shown} more"
        if size + len(text) + 1 + len(more) + 1 > limit and shown < len(lines) - 1:
            out.append(more)
            break
        out.append(text)
        size += len(text) + 1
    return "\n".join(out)


def listing(parties: list[tuple[Party, str]]) -> str:
    """`/watchparty list`: one line per upcoming party."""
    if not parties:
        return "No watch parties planned. Start one with `/watchparty create`."
    seen: set[int] = set()  # a series shows once (its soonest party)
    lines = []
    for p, title in parties:
        if p.series is None:
            lines.append(line(p, clip(title, 100)))
        elif p.series.series_id not in seen:
            seen.add(p.series.series_id)
            lines.append(line(p, clip(title, 100), series_render.listing_extra(p.series)))
    return _lines_within(lines)


def my_listing(rows: list[tuple[Party, str, str, int | None]]) -> str:
    """`/watchparty mine`: parties a member hosts, answered Going/Maybe to or waits for a seat
    at (rows: party, title, answer, place on the waitlist)."""
    if not rows:
        return "You're not hosting or going to any upcoming watch party here."
    return _lines_within(
        [line(p, clip(title, 100), _yours(answer, place)) for p, title, answer, place in rows]
    )


def _yours(answer: str, place: int | None) -> str:
    if answer == WAITING:
        return f" · you: waiting (#{place})"
    return f" · you: {answer}"


def cancelled(party: Party) -> str:
    return (
        f"Cancelled watch party #{party.id}. No more reminders will be sent, and everyone who "
        "answered Going or Maybe is told."
    )


def notify_set(by_dm: bool) -> str:
    if by_dm:
        return (
            "I'll DM you watch-party reminders, start pings and changes instead of mentioning "
            "you in the channel. (If your DMs are closed, you'll miss them.)"
        )
    return "I'll mention you in the party's channel for reminders, start pings and changes."


def card_failed(channel_mention: str, reason: str) -> str:
    return (
        f"I couldn't post the announcement in {channel_mention} ({clip(reason, 100)}), "
        "so I didn't schedule the party. Check my permissions there or pick another channel."
    )


def card_not_moved(channel_id: int) -> str:
    return (
        f"\n-# Pings will go to <#{channel_id}>, but I couldn't post the announcement there: "
        "check my permissions."
    )


@dataclass(frozen=True)
class EventOptions:
    """Text and times for the native Discord scheduled event of a party."""

    name: str
    description: str
    location: str
    end: datetime


def event_options(party: Party, film_title: str, channel_name: str | None) -> EventOptions:
    """The event's name is plain text in Discord (no markdown, no pings): the title as typed;
    its description is markdown, so the title is escaped there."""
    return EventOptions(
        name=clip(f"Watch party: {film_title}", 100),
        description=clip(plain(party.note) or f"Watching {_shown(film_title)} together.", 1000),
        location=clip(f"#{channel_name}" if channel_name else "Discord", 100),
        end=party.ends_at or party.starts_at + rules.ASSUMED_RUNTIME,
    )
