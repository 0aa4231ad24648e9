"""Premiere messages: the ping's header and lines, DMs, confirmations, the server's list.

The ping itself is laid out by :func:`bot.render.grouped_pings`; every line and DM reads its
clock through :func:`bot.render.clock_label`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.domain import clock_text, zones
from bot.domain import premieres as rules
from bot.domain import releases as pick
from bot.domain.films import Film, Release
from bot.domain.pings import ZoneGroup
from bot.domain.releases import Applicable
from bot.domain.usertext import plain
from bot.render import (
    CHOICE_WORDS,
    MESSAGE_LIMIT,
    clip,
    clock_label,
    country_words,
    release_label,
    sent_late,
    timestamp,
)


def _platform(film: Film) -> str:
    """ " on Netflix" when every release is on one named platform (not "Cinemas")."""
    platforms = {r.platform for r in film.releases}
    if len(platforms) != 1 or pick.platform_name(film.releases[0]) is None:
        return ""
    return f" on {plain(platforms.pop())}"


def header(film: Film, kind: str, lines: Sequence[ZoneGroup], late: bool) -> str:
    platform = _platform(film)
    if kind == rules.HEADS_UP:
        out = min(line.at for line in lines)
        text = f"⏳ **{film.shown_title}** comes out {timestamp(out, 'R')}{platform}. Heads-up:"
    elif lines and all(line.delayed for line in lines):
        text = f"🍿 **{film.shown_title}** is out{platform}, and your quiet hours are over:"
    else:
        text = f"🍿 **{film.shown_title}** is out now{platform}!"
    return sent_late(text, late)


def dm(film: Film, kind: str, lines: Sequence[ZoneGroup], late: bool) -> str:
    """A DM follower's ping (one member: one line)."""
    line = lines[0]
    body = clock_label(line, out_since=False)
    platform = _platform(film)
    if kind == rules.HEADS_UP:
        text = f"⏳ **{film.shown_title}** comes out {timestamp(line.at, 'R')}{platform}: {body}."
    elif line.delayed:
        text = (
            f"🍿 **{film.shown_title}** is out{platform} since {body}; your quiet hours are over."
        )
    else:
        text = f"🍿 **{film.shown_title}** is out now{platform}: {body}."
    return sent_late(text, late)


def _when_local(instant: datetime, zone_key: str | None) -> str:
    """'3:00 AM Friday, 30 May 2025 your time (America/New_York)', or the Discord timestamp."""
    if zone_key is None:
        return timestamp(instant)
    return (
        f"{clock_text.format_local(instant, zones.zone_from_key(zone_key))} your time "
        f"({zones.zone_label(zone_key)})"
    )


def already_out(film: Film, out_at: datetime, zone_key: str | None) -> str:
    mine = f", {_when_local(out_at, zone_key)}" if zone_key else ""
    return (
        f"**{film.shown_title}** already came out {timestamp(out_at, 'R')} ({timestamp(out_at)}{mine}), "
        "so there's no premiere to ping. Watch it together instead: plan a watch party with "
        "`/watchparty create`."
    )


def _no_date(film: Film, choice: str | None, applies: Applicable, where: str) -> str:
    """A follow kept for a member whose country has no date (for what they follow) yet."""
    kept = f"You're following it all the same: I'll ping you {where} once it has a date."
    if not film.releases:
        return f"I don't know when **{film.shown_title}** comes out yet. {kept}"
    place = country_words(applies.country)
    what = f"{CHOICE_WORDS[choice]} " if choice else ""
    text = f"I don't know a release date for **{film.shown_title}** {what}{place} yet. {kept}"
    other = applies.ordered[0] if applies.ordered else applies.elsewhere
    if other is not None:
        out = applies.out_at(other)
        zone_key = zones.zone_key(applies.tz) if applies.tz is not None else None
        when = _when_local(out, zone_key) if zone_key else timestamp(out)
        text += f"\n-# The first I know: {release_label(other)}, {when}."
    if applies.ordered:  # they chose the kind this country lacks
        other_choice = applies.choice_of(applies.ordered[0])
        if other_choice:
            text += f" Follow with `release: {other_choice}` for that one."
    else:
        text += "\n-# Not your country? Pick yours with `/timezone country`."
    return text


def _what(release: Release | None) -> str:
    """ " (streaming on Netflix worldwide)" after the title, when there is a release."""
    return f" ({release_label(release)})" if release is not None else ""


def followed(
    film: Film,
    ping: rules.Planned | None,
    line: ZoneGroup | None,
    *,
    dm: bool,
    release: Release | None = None,
    choice: str | None = None,
    applies: Applicable | None = None,
    channel_id: int | None = None,
) -> str:
    """The ephemeral confirmation: which release and when it's out for them, when and where
    they'll be pinged; or that their country has no date yet (the follow is kept)."""
    if release is None and applies is not None:
        where = "by DM" if dm else (f"in <#{channel_id}>" if channel_id else "here")
        return _no_date(film, choice, applies, where)
    if ping is None or line is None:
        return f"You're following **{film.shown_title}**, but there's no ping left to send."
    where = "by DM" if dm else f"in <#{ping.channel_id}>"
    out = line.at
    if line.zone_key is None:
        when = f"{timestamp(out)} ({timestamp(out, 'R')})"
    elif line.assumed_zone:
        when = (
            f"{clock_text.format_local(out, zones.zone_from_key(line.zone_key))} in this server's zone "
            f"({zones.zone_label(line.zone_key)}), {timestamp(out, 'R')}"
        )
    else:
        when = f"{_when_local(out, line.zone_key)}, {timestamp(out, 'R')}"
    text = f"You're following **{film.shown_title}**{_what(release)}. It's out for you at {when}."
    if line.delayed:
        text += (
            f"\nThat's during your quiet hours, so I'll ping you {where} when they end: "
            f"{_when_local(ping.due, line.zone_key)} ({timestamp(ping.due, 'R')})."
        )
    else:
        text += f"\nI'll ping you {where} then."
    if line.zone_key is None:
        text += (
            "\n-# You have no time zone set, so the ping will show the time in UTC. "
            "Set yours with `/timezone set`."
        )
    elif line.assumed_zone:
        text += (
            "\n-# You have no time zone set, so I'm using this server's. Set yours with "
            "`/timezone set` to be pinged at your own midnight."
        )
    return text


@dataclass(frozen=True)
class Listed:
    """One film a server follows, for ``/premiere list``."""

    title: str  # as stored: escaped when shown
    followers: int
    channel_id: int
    next_ping: datetime | None
    heads_up: str | None  # e.g. "1h", when a heads-up is set
    yours: Yours | None = None  # what the member asking follows, if they do


@dataclass(frozen=True)
class Yours:
    """What one member follows of a premiere, for ``/premiere list``."""

    choice: str | None  # releases.CINEMA / STREAMING (None: whichever comes first)
    out_at: datetime | None  # None: no date for their country yet
    country: str | None


def _yours(yours: Yours) -> str:
    what = f"{CHOICE_WORDS[yours.choice]} " if yours.choice else ""
    if yours.out_at is None:
        return f" · you: no date {what}{country_words(yours.country)} yet"
    return f" · you: {what}{timestamp(yours.out_at, 'R')}"


def server_list(items: Sequence[Listed]) -> str:
    if not items:
        return "This server follows no premieres yet. Try `/premiere follow`."
    lines = ["**Premieres this server follows**"]
    for item in items:
        count = f"{item.followers} follower{'s' if item.followers != 1 else ''}"
        nxt = (
            f"next ping {timestamp(item.next_ping)} ({timestamp(item.next_ping, 'R')})"
            if item.next_ping
            else "no pings left"
        )
        extra = f" · heads-up {item.heads_up} before" if item.heads_up else ""
        extra += _yours(item.yours) if item.yours else ""
        lines.append(f"• **{plain(item.title)}**: {count} · in <#{item.channel_id}> · {nxt}{extra}")
    text = "\n".join(lines)
    return text if len(text) <= MESSAGE_LIMIT else clip(text, MESSAGE_LIMIT)


def failure(title: str, channel_id: int, reason: str) -> str:
    """For the server's managers: a premiere ping that can never be sent there, and the fix."""
    return (
        f"⚠️ I couldn't post the **{plain(title)}** premiere ping in <#{channel_id}> "
        f"({clip(reason, 200)}). Someone with **Manage Server** can pick another channel with "
        "`/premiere channel`, or give me **View Channel** and **Send Messages** there."
        "\n-# I'll say this once, until that film's ping channel is changed."
    )
