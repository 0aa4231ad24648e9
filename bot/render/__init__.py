"""Domain objects -> Discord messages and embeds, within Discord's limits.

The one place that formats local times, mentions and long messages.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, time

import discord

from bot.domain import clock_text, countries, releases, zones
from bot.domain.films import CINEMA_KINDS, Release
from bot.domain.pings import ZoneGroup
from bot.domain.usertext import plain
from bot.storage.settings import GuildSettings

MESSAGE_LIMIT = 2000
EMBED_DESCRIPTION_LIMIT = 4096
EMBED_FIELD_LIMIT = 1024
EMBED_TOTAL_LIMIT = 6000
COLOUR = discord.Colour(0x7B61FF)


def timestamp(instant: datetime, style: str = "F") -> str:
    """A Discord timestamp: every viewer sees it in their own zone."""
    return f"<t:{int(instant.timestamp())}:{style}>"


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


_KIND_WORDS = {"digital": "streaming", "premiere": "at its premiere", "physical": "on disc"}
#: How a member's choice of release reads (`/premiere follow release:`, `/film upcoming`).
CHOICE_WORDS = {releases.CINEMA: "in cinemas", releases.STREAMING: "streaming"}


def release_label(release: Release) -> str:
    """How a release reads in a sentence: 'in cinemas in South Korea (rated 15)', 'streaming
    on Netflix worldwide', 'on TV in the United States'."""
    if release.kind in CINEMA_KINDS:
        word = "in cinemas" if release.kind == "theatrical" else "in some cinemas"
    else:
        word = _KIND_WORDS.get(release.kind, "on TV")
    platform = releases.platform_name(release)
    if platform is not None:
        word += f" on {plain(platform)}"
    if release.worldwide:
        where = "worldwide"
    else:
        where = ", ".join(countries.in_country(r) for r in release.regions)
    rated = f" (rated {plain(release.certification)})" if release.certification else ""
    return f"{word} {where}{rated}"


def country_words(country: str | None) -> str:
    """ "in South Korea", or "worldwide" for a member whose zone has no country (UTC)."""
    return countries.in_country(country) if country else "worldwide"


def zone_set(match: zones.ZoneMatch, now: datetime) -> str:
    lines = [
        f"Your time zone is now **{zones.zone_label(match.key)}** "
        f"(it's {clock_text.format_clock(now, match.tz)} there, {zones.utc_offset_label(now, match.tz)})."
    ]
    lines += [f"-# {match.note}"] if match.note else []
    lines += [f"⚠️ {match.warning}"] if match.warning else []
    return "\n".join(lines)


def zone_show(
    key: str | None,
    tz,
    now: datetime,
    who: discord.abc.User | None = None,
    *,
    country: str | None = None,
    chosen: bool = False,
) -> str:
    """A member's zone and the country whose release dates apply to them (``chosen``: picked
    with `/timezone country`, else their zone's)."""
    subject = f"{who.mention}'s" if who else "Your"
    if chosen and country:
        dates = (
            f"\nRelease dates: **{countries.country_label(country)}** "
            "(chosen with `/timezone country`)."
        )
    elif country:
        dates = f"\nRelease dates: **{countries.country_label(country)}**, from the zone."
    else:
        dates = ""
    if key is None:
        if who:
            return f"{who.mention} hasn't set a time zone.{dates}"
        return (
            "You haven't set a time zone yet. Use `/timezone set` (e.g. `Seoul` or `Asia/Seoul`)."
            + dates
        )
    return (
        f"{subject} time zone is **{zones.zone_label(key)}**: "
        f"it's {clock_text.format_clock(now, tz)} there ({zones.utc_offset_label(now, tz)})."
        + dates
    )


def country_set(country: str | None, zone_key: str | None) -> str:
    """The reply to `/timezone country`."""
    if country is not None:
        return (
            f"Release dates for you now follow **{countries.country_label(country)}**. "
            "Use `/timezone country off` to go back to your zone's country."
        )
    from_zone = zones.country_of(zone_key) if zone_key else None
    if from_zone:
        return (
            f"Release dates for you follow your zone's country again: "
            f"**{countries.country_label(from_zone)}**."
        )
    return "Release dates for you follow your zone's country again (set one with `/timezone set`)."


def quiet_set(start: time, end: time, zone_key: str | None) -> str:
    where = (
        f"your time ({zones.zone_label(zone_key)})"
        if zone_key
        else "UTC, since you have no zone set"
    )
    text = (
        f"Quiet hours set: {start.strftime('%H:%M')} to {end.strftime('%H:%M')} {where}. "
        "Premiere pings that fall inside wait until they end."
    )
    if zone_key is None:
        text += " Set your zone with `/timezone set` so they follow your clock."
    return text


def guild_zone_set(match: zones.ZoneMatch, now: datetime) -> str:
    lines = [
        f"This server's default time zone is now **{zones.zone_label(match.key)}** "
        f"({clock_text.format_clock(now, match.tz)} there). Members who set their own zone keep it."
    ]
    lines += [f"-# {match.note}"] if match.note else []
    lines += [f"⚠️ {match.warning}"] if match.warning else []
    return "\n".join(lines)


def guild_settings(current: GuildSettings) -> str:
    zone = zones.zone_label(current.zone) if current.zone else "not set (`/config timezone`)"
    channel = (
        f"<#{current.announce_channel_id}>"
        if current.announce_channel_id
        else "not set (`/config announce`)"
    )
    return f"**Default time zone:** {zone}\n**Announce channel:** {channel}"


def mention(user_id: int) -> str:
    return f"<@{user_id}>"


def role_mention(role_id: int) -> str:
    return f"<@&{role_id}>"


# --- pings: a header, then one line of mentions per group of members -----------------------------

#: The one "sent late" note, for every kind of ping: late after a restart, or after retries.
LATE_NOTE = "\n-# Sent late: I couldn't send this on time (I was offline or Discord was busy)."
#: The longest mention: "<@" + a 20-digit snowflake + ">", with the space before it.
MENTION_ROOM = 24
CONTINUED = " (continued)"


def sent_late(text: str, late: bool) -> str:
    """``text``, with the "sent late" note under it when it is late."""
    return text + LATE_NOTE if late else text


def split_mentions(
    header: str,
    groups: Sequence[tuple[str, Sequence[int]]],
    *,
    limit: int = MESSAGE_LIMIT,
    max_ids: int = 100,
) -> list[tuple[str, tuple[int, ...]]]:
    """Lay out ``header`` then one line per group ("label: @a @b"), in as few messages as possible.

    Each message stays within ``limit`` characters and names at most ``max_ids`` members (the
    most ``allowed_mentions`` takes). A group that fits in one message is never split: it moves
    to the next message whole. Only a group too big for any message is split, between two
    mentions, and goes on under "label (continued):". Returns (content, the ids it mentions).
    """
    if limit < 64 or max_ids < 1:
        raise ValueError("split_mentions needs room for a label and a mention")
    label_room = limit - len(CONTINUED) - 1 - MENTION_ROOM  # "label (continued): @a" must fit
    messages: list[tuple[str, tuple[int, ...]]] = []
    text = clip(header, limit)
    ids: list[int] = []

    def flush() -> None:
        nonlocal text, ids
        if text.strip():
            messages.append((text, tuple(ids)))
        text, ids = "", []

    def fits(line: str, count: int) -> bool:
        """Whether a line naming ``count`` more members still fits in this message."""
        room = len(text) + (1 if text else 0) + len(line) <= limit
        return room and len(ids) + count <= max_ids

    def add(line: str) -> None:
        nonlocal text
        text = f"{text}\n{line}" if text else line

    for label, members in groups:
        if not members:
            continue
        label = clip(label, label_room)
        tokens = [f" {mention(uid)}" for uid in members]
        whole = f"{label}:" + "".join(tokens)
        if len(whole) <= limit and len(members) <= max_ids:
            if not fits(whole, len(members)):
                flush()
            add(whole)
            ids.extend(members)
            continue
        # Too big for any message: start it where its label and a first mention still fit.
        if not fits(f"{label}:" + " " * MENTION_ROOM, 1):
            flush()
        add(f"{label}:")
        for uid, token in zip(members, tokens, strict=True):
            if len(text) + len(token) > limit or len(ids) >= max_ids:
                flush()
                text = f"{label}{CONTINUED}:"
            text += token
            ids.append(uid)
    flush()
    return messages


#: The one hint on a ping line shown in another zone than the member's own (they have none).
SET_ZONE_HINT = "no time zone set: `/timezone set`"


def clock_label(
    group: ZoneGroup, *, out_since: bool = True, dated: bool = False, year: bool = False
) -> str:
    """How a group reads its clock, the same for every kind of ping.

    '9:00 PM Friday your time (Asia/Seoul)'; without a zone '12:00 PM Friday UTC (no time zone
    set: …)', or with the server's zone standing in '12:00 AM Saturday this server's time
    (Asia/Seoul; no time zone set: …)'. A group held by quiet hours reads 'Out since 3:00 AM
    Friday your time (…)' (``out_since=False``: without those words, for a sentence that
    says so itself). ``dated``/``year``: with the date (and year), as in
    :func:`clock_text.format_clock`.
    """
    if group.zone_key is None:
        text = f"{clock_text.format_clock(group.at, UTC, dated=dated, year=year)} UTC ({SET_ZONE_HINT})"
    else:
        tz = zones.zone_from_key(group.zone_key)
        clock = clock_text.format_clock(group.at, tz, dated=dated, year=year)
        zone = zones.zone_label(group.zone_key)
        if group.assumed_zone:
            text = f"{clock} this server's time ({zone}; {SET_ZONE_HINT})"
        else:
            text = f"{clock} your time ({zone})"
    return f"Out since {text}" if group.delayed and out_since else text


def grouped_pings(header: str, groups: Iterable[ZoneGroup]) -> list[tuple[str, tuple[int, ...]]]:
    """Any ping: the header, then a line of mentions per group (:func:`clock_label`), split
    within Discord's limits. Returns (content, the user ids it mentions)."""
    return split_mentions(header, [(clock_label(group), group.user_ids) for group in groups])
