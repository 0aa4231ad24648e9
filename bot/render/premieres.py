"""Premiere messages: the ping grouped by local clock, DMs, confirmations."""

from __future__ import annotations

from datetime import datetime

from bot.domain import premieres as rules
from bot.domain import zones
from bot.domain.films import Film
from bot.render import split_mentions, timestamp

UTC_KEY = "UTC"


def line_label(line: rules.Line, *, dm: bool = False) -> str:
    """'3:00 AM Friday in America/New_York', 'out since 3:00 AM Friday your time (…)', UTC hint."""
    key = line.zone_key or UTC_KEY
    clock = zones.format_clock(line.out_at, zones.zone_from_key(key))
    where = "your time" if dm else f"in {zones.zone_label(key)}"
    if line.zone_key is None:
        where = "UTC (set your zone with `/timezone set` to see your own time)"
    elif line.assumed_zone:
        where = f"in {zones.zone_label(key)}, this server's zone (you have none set)"
    if line.delayed:
        return f"Out since {clock} {where} (held for your quiet hours)"
    return f"{clock} {where}"


def header(film: Film, kind: str, lines: tuple[rules.Line, ...], late: bool) -> str:
    platform = _platform(film)
    if kind == rules.HEADS_UP:
        out = min(line.out_at for line in lines)
        text = f"⏳ **{film.title}** comes out {timestamp(out, 'R')}{platform}."
    elif all(line.delayed for line in lines):
        text = f"🍿 **{film.title}** is out{platform}: quiet hours are over."
    else:
        text = f"🍿 **{film.title}** is out now{platform}!"
    if late:
        text += "\n-# Sent late: I was offline when this was due."
    return text


def _platform(film: Film) -> str:
    return f" on {film.releases[0].platform}" if film.releases else ""


def pings(head: str, lines: tuple[rules.Line, ...]) -> list[tuple[str, tuple[int, ...]]]:
    return split_mentions(head, [(line_label(line), line.user_ids) for line in lines])


def dm(film: Film, kind: str, lines: tuple[rules.Line, ...], late: bool) -> str:
    line = lines[0]
    body = line_label(line, dm=True)
    if kind == rules.HEADS_UP:
        text = (
            f"⏳ **{film.title}** comes out {timestamp(line.out_at, 'R')}{_platform(film)}: {body}."
        )
    else:
        text = f"🍿 **{film.title}** is out{_platform(film)}: {body}."
    return text + ("\n-# Sent late: I was offline when this was due." if late else "")


def already_out(film: Film, out_at: datetime) -> str:
    return (
        f"{film.title} already came out {timestamp(out_at, 'R')} ({timestamp(out_at)}). "
        "Watch it together instead: `/watchparty create`."
    )


def followed(film: Film, mine: rules.Planned | None, zone_key: str | None, dm: bool) -> str:
    where = "by DM" if dm else "in the server's premiere channel"
    if mine is None:
        return f"You're following **{film.title}**, but there's no ping left to send."
    line = next(ln for ln in mine.lines)
    text = f"You're following **{film.title}**. I'll ping you {where} at {timestamp(mine.due)}"
    if zone_key:
        tz = zones.zone_from_key(zone_key)
        text += f": {zones.format_local(mine.due, tz)} your time ({zones.zone_label(zone_key)})"
    text += "."
    if line.delayed:
        text += f"\n-# It comes out during your quiet hours ({zones.format_clock(line.out_at, zones.zone_from_key(zone_key or UTC_KEY))}), so I'll wait until they end."
    if zone_key is None:
        text += "\n-# You have no time zone set: the ping will show UTC. Set yours with `/timezone set`."
    return text
