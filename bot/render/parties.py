"""Watch-party messages: the announcement card, pings, DMs, lists."""

from __future__ import annotations

from datetime import datetime

import discord

from bot.domain import parties as rules
from bot.domain import zones
from bot.domain.films import Film
from bot.domain.parties import Party
from bot.domain.when import format_duration
from bot.render import COLOUR, EMBED_FIELD_LIMIT, clip, mention, timestamp


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


def plain(note: str) -> str:
    """User text shown as typed: mentions are escaped so they read literally."""
    return discord.utils.escape_mentions(note)


def card(party: Party, film: Film, rsvps: dict[int, str]) -> discord.Embed:
    """The announcement: film, start/end, host, note, who is going."""
    going = [u for u, s in rsvps.items() if s == rules.GOING]
    maybe = [u for u, s in rsvps.items() if s == rules.MAYBE]
    title = f"🎬 Watch party: {film.title}"
    if party.cancelled:
        title = f"❌ Cancelled: {film.title} watch party"
    embed = discord.Embed(title=clip(title, 256), colour=COLOUR)
    when = f"{timestamp(party.starts_at)} ({timestamp(party.starts_at, 'R')})"
    if party.ends_at:
        when += f"\nEnds about {timestamp(party.ends_at, 't')}"
    embed.add_field(name="When", value=when, inline=False)
    embed.add_field(name="Host", value=mention(party.host_id), inline=True)
    if party.voice_channel_id:
        embed.add_field(name="Where", value=f"<#{party.voice_channel_id}>", inline=True)
    if party.note:
        embed.add_field(name="Note", value=clip(plain(party.note), EMBED_FIELD_LIMIT), inline=False)
    embed.add_field(name=f"Going ({len(going)})", value=_names(going), inline=False)
    embed.add_field(name=f"Maybe ({len(maybe)})", value=_names(maybe), inline=False)
    embed.set_footer(text=f"Party #{party.id} · times show in your own time zone")
    return embed


def interpretation(party: Party, notes: tuple[str, ...], verb: str = "Scheduled") -> str:
    """Tell the host exactly how their time was read, so a misread is caught at once."""
    tz = zones.zone_from_key(party.zone_key)
    lines = [
        f"{verb} watch party #{party.id}: **{zones.format_local(party.starts_at, tz)}** "
        f"({zones.zone_label(party.zone_key)}), which is {timestamp(party.starts_at)} for everyone."
    ]
    if party.reminders:
        leads = ", ".join(format_duration(r) for r in party.reminders)
        lines.append(f"Reminders: {leads} before.")
    lines += [f"-# {n}" for n in notes]
    return "\n".join(lines)


def ping_header(party: Party, film: Film, kind: str, late: bool, now: datetime) -> str:
    if kind == rules.START:
        text = f"🎬 The **{film.title}** watch party is starting now!"
    else:
        text = (
            f"⏰ Reminder: the **{film.title}** watch party starts {timestamp(party.starts_at, 'R')} "
            f"({timestamp(party.starts_at, 't')})."
        )
    if party.voice_channel_id:
        text += f" Join <#{party.voice_channel_id}>."
    if late:
        text += "\n-# Sent late: I was offline when this was due."
    return text


def dm(party: Party, film: Film, kind: str, zone_key: str | None, late: bool) -> str:
    local = (
        f"{zones.format_clock(party.starts_at, zones.zone_from_key(zone_key))} your time"
        if zone_key
        else f"{zones.format_clock(party.starts_at, zones.zone_from_key('UTC'))} UTC"
    )
    head = "is starting now" if kind == rules.START else f"starts {timestamp(party.starts_at, 'R')}"
    text = f"The **{film.title}** watch party (#{party.id}) {head}: {local}. <#{party.channel_id}>"
    return text + ("\n-# Sent late: I was offline when this was due." if late else "")


def failure(party: Party, reason: str) -> str:
    return (
        f"I couldn't post the reminders for your watch party #{party.id} in <#{party.channel_id}> "
        f"({clip(reason, 200)}). Check my permissions there, or move it with "
        f"`/watchparty edit id:{party.id} channel:`."
    )


def line(party: Party, film_title: str, extra: str = "") -> str:
    return (
        f"**#{party.id}** {film_title}: {timestamp(party.starts_at)} ({timestamp(party.starts_at, 'R')})"
        f" · host {mention(party.host_id)}{extra}"
    )
